package rollout

import (
	"time"

	"github.com/jetplane/jetplane/events"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Action is what a change does; its value is the event's change name.
type Action string

const (
	Create Action = events.Created      // a new object (the shell assigns uid and creationTimestamp)
	Update Action = events.Updated      // metadata: annotations, ownerReferences
	Scale  Action = "scaled"            // spec.replicas of a Deployment or ReplicaSet
	Status Action = events.StatusChange // the status subresource
	Delete Action = events.Deleted      // the shell goes through events.DeleteWrite
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
}

// Result is a decision: the changes in order, and when to look again even if
// nothing changes meanwhile (minReadySeconds, progress deadlines); 0 = never.
type Result struct {
	Changes []Change
	Requeue time.Duration
}

func (r *Result) add(a Action, resource string, obj events.Object) {
	r.Changes = append(r.Changes, Change{Action: a, Resource: resource, Object: obj, Expected: expectedOf(obj)})
}

func (r *Result) requeueAfter(d time.Duration) {
	if d > 0 && (r.Requeue == 0 || d < r.Requeue) {
		r.Requeue = d
	}
}

// expectedOf reads the resourceVersion an object was read at; objects being
// created have none.
func expectedOf(obj metav1.Object) uint64 {
	seq, err := events.ParseRV(obj.GetResourceVersion())
	if err != nil {
		return 0
	}
	return seq
}

// Label and annotation keys Kubernetes uses for Deployments.
const (
	PodTemplateHashLabel        = "pod-template-hash"
	RevisionAnnotation          = "deployment.kubernetes.io/revision"
	RevisionHistoryAnnotation   = "deployment.kubernetes.io/revision-history"
	DesiredReplicasAnnotation   = "deployment.kubernetes.io/desired-replicas"
	MaxReplicasAnnotation       = "deployment.kubernetes.io/max-replicas"
	ChangeCauseAnnotation       = "kubernetes.io/change-cause"
	lastAppliedConfigAnnotation = "kubectl.kubernetes.io/last-applied-configuration"
)

// controllerRef builds the ownerReference a controller puts on what it makes.
func controllerRef(apiVersion, kind string, owner metav1.Object) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: apiVersion, Kind: kind, Name: owner.GetName(),
		UID: owner.GetUID(), Controller: &yes, BlockOwnerDeletion: &yes}
}

// ControllerUID is the UID of obj's controller, "" when it has none.
func ControllerUID(obj metav1.Object) types.UID {
	if ref := metav1.GetControllerOfNoCopy(obj); ref != nil {
		return ref.UID
	}
	return ""
}

// withoutOwner returns refs without the ones naming uid.
func withoutOwner(refs []metav1.OwnerReference, uid types.UID) []metav1.OwnerReference {
	var out []metav1.OwnerReference
	for _, r := range refs {
		if r.UID != uid {
			out = append(out, r)
		}
	}
	return out
}

// stamp is the clock at the precision Kubernetes JSON keeps (seconds), so
// that a status computed now compares equal to the same status read back.
func stamp(now time.Time) metav1.Time { return metav1.NewTime(now.UTC().Truncate(time.Second)) }
