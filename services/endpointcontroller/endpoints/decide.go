package endpoints

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// Action is what to do with a Service's Endpoints.
type Action string

// Actions; the shell appends them as the changes of the same name.
const (
	None   Action = ""
	Create Action = "created"
	Update Action = "updated"
	Delete Action = "deleted"
)

// Decision is the change to make. Endpoints is the object to write: a new
// one (Create), the existing one with labels and subsets replaced (Update),
// or a copy of the existing one (Delete).
type Decision struct {
	Action    Action
	Endpoints *corev1.Endpoints
}

// Decide compares what svc (nil when the Service is gone) should have with
// existing (nil when there is none). Inputs are not modified.
func Decide(svc *corev1.Service, pods []*corev1.Pod, existing *corev1.Endpoints) Decision {
	if svc == nil {
		return deleteIfManaged(existing)
	}
	want, manage := Desired(svc, pods)
	switch {
	case !manage:
		return Decision{} // a selector-less Service's Endpoints belong to the user
	case want == nil:
		return deleteIfManaged(existing)
	case existing == nil:
		return Decision{Action: Create, Endpoints: want}
	case Equivalent(existing, want):
		return Decision{}
	}
	// Keep identity and user metadata (uid, creationTimestamp, annotations).
	updated := existing.DeepCopy()
	updated.Labels = want.Labels
	updated.Subsets = want.Subsets
	return Decision{Action: Update, Endpoints: updated}
}

func deleteIfManaged(existing *corev1.Endpoints) Decision {
	if existing == nil || !IsManaged(existing) {
		return Decision{}
	}
	return Decision{Action: Delete, Endpoints: existing.DeepCopy()}
}

// IsManaged tells whether the controller created ep.
func IsManaged(ep *corev1.Endpoints) bool {
	return ep.Labels[ManagedByLabel] == ManagedByValue
}

// Equivalent compares what matters of two Endpoints: labels and subsets
// (empty and nil count as equal); other metadata is ignored.
func Equivalent(a, b *corev1.Endpoints) bool {
	return equality.Semantic.DeepEqual(a.Labels, b.Labels) && equality.Semantic.DeepEqual(a.Subsets, b.Subsets)
}
