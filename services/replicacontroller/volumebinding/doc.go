// Package volumebinding is the pure decision of Kubernetes' PersistentVolume
// controller together with a local-path provisioner (k3s's, in our own
// words): a pending claim binds to an available volume of its class that
// fits it, or, for the local-path class, gets a new volume — a directory
// on the node its first consumer was scheduled to (WaitForFirstConsumer),
// pinned there by node affinity. A bound volume whose claim is gone is
// released: deleted under reclaim policy Delete, kept as Released under
// Retain. Plain objects in, the changes out; no I/O.
package volumebinding
