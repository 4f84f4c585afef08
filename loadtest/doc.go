// Package loadtest is Jetplane's density test, in the spirit of kubemark and
// ClusterLoader2: it starts an all-in-one control plane (or drives one that
// runs), registers hollow nodes, creates Deployments, and measures from the
// event log's own timestamps and from the client side: API latency at a
// request rate, scheduling throughput, pod startup latency, time to all pods
// Ready, a rolling update of all of them, projection replay from sequence 1
// and from a snapshot, memory and bytes per stored event. The raw JetStream
// ceiling (synchronous appends with an expected sequence, asynchronous
// appends, ordered-consumer replay) is measured in the same run on the same
// server, and every figure is also given as a ratio to its ceiling.
//
// stats.go is pure (percentiles and rates); the rest is the shell.
package loadtest
