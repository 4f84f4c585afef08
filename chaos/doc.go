// Package chaos is the fault-injection suite of make chaos: on the compose
// cluster (make cluster), for each fault in turn, it runs a workload —
// concurrent creates, CAS increments of counters, a rollout, a watch opened
// right after the fault — injects the fault through the Docker Engine
// (kill -9 and restart, a pause, a network partition, a full disk), heals
// it, and waits for the cluster to converge. Then it reads the whole event
// log and hands what the clients were told and what the log holds to the
// checker (chaos/invariants). It prints a table: fault, writes
// acknowledged/lost, invariant violations, convergence time.
package chaos
