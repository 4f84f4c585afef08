package gc

import (
	"slices"

	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// OwnerState says what is known of one owner.
type OwnerState int

const (
	// Present: a live object of the owner's kind and name has its UID.
	Present OwnerState = iota
	// Absent: no such object, or one of that name with another UID.
	Absent
	// Unknown: a kind Jetplane does not store; never a reason to delete.
	Unknown
	// DeletingDependents: present, being deleted in the foreground
	// (finalizer foregroundDeletion): its dependents go first.
	DeletingDependents
	// Orphaning: present, being deleted with the orphan finalizer: its
	// dependents drop their reference to it and live on.
	Orphaning
)

// Action is what to do with a dependent.
type Action int

const (
	Keep         Action = iota
	Delete              // every owner is gone, or waits for its dependents, or its namespace is gone
	RemoveOwners        // drop the references to some owners, keep the others (Decision.Keep)
)

func (a Action) String() string {
	switch a {
	case Delete:
		return "delete"
	case RemoveOwners:
		return "remove-owners"
	}
	return "keep"
}

// Input is one object and what is known of its surroundings.
type Input struct {
	// References are the object's ownerReferences.
	References []metav1.OwnerReference
	// Owner reports on one reference; nil means every owner is Present.
	Owner func(metav1.OwnerReference) OwnerState
	// Terminating: the object is already being deleted (deletionTimestamp).
	Terminating bool
	// NamespaceGone: its namespace was deleted or is terminating.
	NamespaceGone bool
	// HasDependents: some object lists this one among its owners.
	HasDependents bool
}

// Decision is the action; for RemoveOwners the references to keep; for
// Delete the propagation of the object's own deletion ("" lets its own
// finalizers decide, background by default).
type Decision struct {
	Action      Action
	Keep        []metav1.OwnerReference
	Propagation metav1.DeletionPropagation
}

// Decide applies the owners' deletion policies to one dependent, as
// Kubernetes' attemptToDeleteItem does.
func Decide(in Input) Decision {
	var solid, dangling, waiting, orphaning []metav1.OwnerReference
	for _, r := range in.References {
		state := Present
		if in.Owner != nil {
			state = in.Owner(r)
		}
		switch state {
		case Absent:
			dangling = append(dangling, r)
		case DeletingDependents:
			waiting = append(waiting, r)
		case Orphaning:
			orphaning = append(orphaning, r)
		default:
			solid = append(solid, r)
		}
	}
	// An owner that orphans its dependents waits until none refers to it,
	// even if a dependent is already on its way out.
	if len(orphaning) > 0 {
		return Decision{Action: RemoveOwners, Keep: without(in.References, orphaning)}
	}
	switch {
	case in.Terminating:
		return Decision{Action: Keep} // its deletion is already under way
	case in.NamespaceGone:
		return Decision{Action: Delete}
	case len(dangling)+len(waiting) == 0:
		return Decision{Action: Keep}
	case len(solid) > 0:
		return Decision{Action: RemoveOwners, Keep: solid}
	case len(waiting) > 0 && in.HasDependents:
		// Foreground deletion reaches through: its own dependents go first.
		return Decision{Action: Delete, Propagation: metav1.DeletePropagationForeground}
	}
	return Decision{Action: Delete}
}

func without(refs, drop []metav1.OwnerReference) []metav1.OwnerReference {
	var out []metav1.OwnerReference
	for _, r := range refs {
		if !slices.ContainsFunc(drop, func(d metav1.OwnerReference) bool { return d.UID == r.UID }) {
			out = append(out, r)
		}
	}
	return out
}

// Dependent is one object that lists the owner among its ownerReferences.
type Dependent struct {
	// Blocking: its reference to the owner has blockOwnerDeletion.
	Blocking bool
}

// FinalizerInput is an owner and its dependents.
type FinalizerInput struct {
	Deleting   bool // deletionTimestamp is set
	Finalizers []string
	Dependents []Dependent
}

// Finalize returns the owner's finalizers once garbage collection is done
// with the ones it is responsible for, and whether that removed any:
// "orphan" when no dependent refers to it any more, "foregroundDeletion"
// when no blocking dependent is left. Other finalizers are someone else's.
func Finalize(in FinalizerInput) ([]string, bool) {
	if !in.Deleting {
		return in.Finalizers, false
	}
	blocking := slices.ContainsFunc(in.Dependents, func(d Dependent) bool { return d.Blocking })
	done := func(f string) bool {
		switch f {
		case metav1.FinalizerOrphanDependents:
			return len(in.Dependents) == 0
		case metav1.FinalizerDeleteDependents:
			return !blocking
		}
		return false
	}
	var out []string
	for _, f := range in.Finalizers {
		if !done(f) {
			out = append(out, f)
		}
	}
	return out, len(out) != len(in.Finalizers)
}
