// Package natslog is the JetStream adapter: the only package outside cmd
// that imports nats.go or nats-server. It creates the cluster's assets
// (the EVENTS and LOGS streams, the leases and allocations buckets, the
// snapshot store), implements the contract's ports over them (the one
// append path with Nats-Expected-Last-Subject-Sequence, atomic batches with
// their size limit, follow and replay through one ordered-consumer loop,
// KV and blob stores), and runs an embedded NATS server for `jetplane up`
// and tests.
package natslog
