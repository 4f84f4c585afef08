package workload

import (
	"time"

	"github.com/jetplane/jetplane/events"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Action is what a change does; its value is the event's change name.
type Action string

const (
	Create Action = events.Created      // a new object (the shell assigns uid and creationTimestamp)
	Update Action = events.Updated      // metadata: annotations, ownerReferences, finalizers
	Scale  Action = "scaled"            // spec.replicas of a Deployment or ReplicaSet
	Status Action = events.StatusChange // the status subresource
	Delete Action = events.Deleted      // the shell goes through events.PropagatedDeleteWrite
)

// Change is one object to write. Object is the full object after the change
// and belongs to the change (a copy). Expected is the resourceVersion it was
// decided from (0 for Create: the shell resolves a tombstone's sequence).
// Several changes of one object follow each other in the list, each built on
// the one before: the shell expects the sequence of the previous write.
type Change struct {
	Action   Action
	Resource string // plural name: "pods", "replicasets", "deployments"
	Object   events.Object
	Expected uint64
	// Propagation is the garbage collection policy of a Delete; "" is the
	// default, background.
	Propagation metav1.DeletionPropagation
}

// Result is a decision: the changes in order, and when to look again even if
// nothing changes meanwhile (deadlines, back-offs, schedules); 0 = never.
type Result struct {
	Changes []Change
	Requeue time.Duration
}

// Add appends a change of obj, expecting the resourceVersion it was read at.
func (r *Result) Add(a Action, resource string, obj events.Object) {
	r.Changes = append(r.Changes, Change{Action: a, Resource: resource, Object: obj, Expected: ExpectedOf(obj)})
}

// RequeueAfter asks to look again after d, keeping the earliest request.
func (r *Result) RequeueAfter(d time.Duration) {
	if d > 0 && (r.Requeue == 0 || d < r.Requeue) {
		r.Requeue = d
	}
}

// ExpectedOf reads the resourceVersion an object was read at; objects being
// created have none.
func ExpectedOf(obj metav1.Object) uint64 {
	seq, err := events.ParseRV(obj.GetResourceVersion())
	if err != nil {
		return 0
	}
	return seq
}

// Stamp is the clock at the precision Kubernetes JSON keeps (seconds), so
// that a status computed now compares equal to the same status read back.
func Stamp(now time.Time) metav1.Time { return metav1.NewTime(now.UTC().Truncate(time.Second)) }
