// Package scheduler is the shell of Jetplane's scheduler: it keeps a
// projection of the log and, from it, an index of what the pods bound to each
// node hold (updated per event, never re-summed); it queues pending pods,
// asks placement (the pure decision package) for a node, and appends the pod
// bound to it (change "scheduled") or marked unschedulable, with CAS on the
// pod's sequence.
//
// Pods waiting together are decided together, each seeing the ones placed
// before it, and bound in one atomic append with an entry on the bind ledger
// (ledger.go), which makes a batch decided from a stale view fail instead of
// over-committing a node. The leader waits for its own binds to be projected
// before the next batch. Unschedulable pods are retried when a node appears
// or changes, or room is freed.
//
// Several instances may run; one leads through a lease in the leases KV
// bucket and the others keep their projections warm.
package scheduler
