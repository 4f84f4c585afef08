// Package controller is the shell every Jetplane service shares: a projection
// marks keys dirty in a work queue, workers reconcile one key at a time from
// the latest projection (level-triggered), append the resulting changes with
// CAS, and requeue the key on a conflict or an error, with back-off.
//
// A service declares itself as a Service (name, hooks, workers, resync,
// parts) and Run does the common start-up: projection, queue, writer,
// the OnApply hooks, the first pass over every key, the loops. A service
// that must act alone says Leader and works only while it holds the lease
// leader.<name> in the leases KV bucket (lease.go: the bucket's revision as
// CAS, expiry by the local clock, released on a clean stop).
//
// Retries go through Backoff; delayed keys wait in one heap behind one timer
// (delay.go). Queue depth, reconcile latency and errors are Prometheus
// metrics per service on the default registry (metrics.go).
package controller
