package gc

import (
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
)

// Action is what to do with a dependent.
type Action int

const (
	Keep         Action = iota
	Delete              // every owner is gone, or its namespace is
	RemoveOwners        // some owners are gone: drop their references
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
}

// Decision is the action and, for RemoveOwners, the references to keep.
type Decision struct {
	Action Action
	Keep   []metav1.OwnerReference
}

// Decide applies background propagation to one dependent.
func Decide(in Input) Decision {
	if in.Terminating {
		return Decision{Action: Keep} // its deletion is already under way
	}
	if in.NamespaceGone {
		return Decision{Action: Delete}
	}
	if len(in.References) == 0 || in.Owner == nil {
		return Decision{Action: Keep}
	}
	var solid []metav1.OwnerReference
	dangling := 0
	for _, r := range in.References {
		if in.Owner(r) == Absent {
			dangling++
		} else {
			solid = append(solid, r)
		}
	}
	switch {
	case dangling == 0:
		return Decision{Action: Keep}
	case len(solid) == 0:
		return Decision{Action: Delete}
	default:
		return Decision{Action: RemoveOwners, Keep: solid}
	}
}
