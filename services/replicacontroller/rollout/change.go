package rollout

import (
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Action and Change are the workload controllers' shared change types, so
// that one shell appends the decisions of every kind.
type (
	Action = workload.Action
	Change = workload.Change
)

const (
	Create = workload.Create
	Update = workload.Update
	Scale  = workload.Scale
	Status = workload.Status
	Delete = workload.Delete
)

// Result is a decision: the changes in order, and when to look again even if
// nothing changes meanwhile (minReadySeconds, progress deadlines); 0 = never.
type Result struct {
	Changes []Change
	Requeue time.Duration
}

// add and requeueAfter are workload.Result's: the two types are the same struct.
func (r *Result) add(a Action, resource string, obj events.Object) {
	(*workload.Result)(r).Add(a, resource, obj)
}

func (r *Result) requeueAfter(d time.Duration) { (*workload.Result)(r).RequeueAfter(d) }

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
	return workload.ControllerRef(schema.FromAPIVersionAndKind(apiVersion, kind), owner)
}

// ControllerUID is the UID of obj's controller, "" when it has none.
func ControllerUID(obj metav1.Object) types.UID { return workload.ControllerUID(obj) }

// withoutOwner returns refs without the ones naming uid.
func withoutOwner(refs []metav1.OwnerReference, uid types.UID) []metav1.OwnerReference {
	return workload.WithoutOwner(refs, uid)
}

// stamp is the clock at the precision Kubernetes JSON keeps (seconds), so
// that a status computed now compares equal to the same status read back.
func stamp(now time.Time) metav1.Time { return workload.Stamp(now) }
