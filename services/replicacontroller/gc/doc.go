// Package gc decides garbage collection by ownerReferences, as Kubernetes'
// garbage collector does. Dependent side (Decide): a dependent whose owners
// are all gone is deleted, one that lost only some of them drops those
// references, one whose owner is being deleted in the foreground is deleted
// (itself in the foreground when it has dependents of its own), one whose
// owner orphans its dependents drops the reference and lives on, and an
// object in a deleted namespace goes with it. Owner side (Finalize): an
// object being deleted sheds its "orphan" finalizer once nothing refers to
// it and its "foregroundDeletion" finalizer once no blocking dependent is
// left; the last finalizer gone, it is deleted. Pure: no I/O.
package gc
