// Package gc decides garbage collection by ownerReferences, as Kubernetes'
// background propagation does: a dependent whose owners are all gone is
// deleted, one that lost only some of them drops those references, and an
// object in a namespace that was deleted goes with it. Pure: no I/O.
package gc
