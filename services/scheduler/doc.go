// Package scheduler is the shell of Jetplane's scheduler: it keeps a
// projection of the log, queues pending pods, asks placement (the pure
// decision package) for a node, and appends the pod bound to it (change
// "scheduled") or marked unschedulable, with CAS on the pod's sequence.
//
// Several instances may run; one leads through a lease in the leases KV
// bucket and the others keep their projections warm. The leader decides one
// pod at a time and waits for its own write before the next decision, so the
// capacity picture it decides from always includes every earlier bind.
package scheduler
