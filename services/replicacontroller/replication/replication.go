package replication

import (
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/rollout"
	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Resource is the plural name of ReplicationControllers.
const Resource = "replicationcontrollers"

// Kind is what the controller's pods name as their controller.
var Kind = corev1.SchemeGroupVersion.WithKind("ReplicationController")

// Input is what the ReplicationController decision reads.
type Input struct {
	Controller *corev1.ReplicationController
	// Pods are controlled by it; Orphans are the pods of its namespace
	// without a controller (the matching ones are adopted).
	Pods    []*corev1.Pod
	Orphans []*corev1.Pod
	Now     time.Time
	// PodName names a new pod from its base "<rc>-"; nil: five random characters.
	PodName func(base string) string
}

// Decide keeps spec.replicas pods of the template, as DecideReplicaSet.
func Decide(in Input) workload.Result {
	rc := in.Controller
	if rc == nil || rc.Spec.Template == nil || len(rc.Spec.Selector) == 0 {
		return workload.Result{}
	}
	res := rollout.DecideReplicaSet(rollout.ReplicaSetInput{ReplicaSet: asReplicaSet(rc), Pods: in.Pods, Orphans: in.Orphans,
		Now: in.Now, PodName: in.PodName, Kind: Kind})
	out := workload.Result{Requeue: res.Requeue}
	for _, ch := range res.Changes {
		if rs, ok := ch.Object.(*appsv1.ReplicaSet); ok {
			c := rc.DeepCopy()
			c.Status = statusOf(rs.Status)
			ch.Object, ch.Resource = c, Resource
		}
		out.Changes = append(out.Changes, ch)
	}
	return out
}

// asReplicaSet is the ReplicaSet the controller stands for.
func asReplicaSet(rc *corev1.ReplicationController) *appsv1.ReplicaSet {
	rs := &appsv1.ReplicaSet{
		ObjectMeta: *rc.ObjectMeta.DeepCopy(),
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        rc.Spec.Replicas,
			MinReadySeconds: rc.Spec.MinReadySeconds,
			Selector:        &metav1.LabelSelector{MatchLabels: rc.Spec.Selector},
			Template:        *rc.Spec.Template.DeepCopy(),
		},
		Status: appsv1.ReplicaSetStatus{
			Replicas:             rc.Status.Replicas,
			FullyLabeledReplicas: rc.Status.FullyLabeledReplicas,
			ReadyReplicas:        rc.Status.ReadyReplicas,
			AvailableReplicas:    rc.Status.AvailableReplicas,
			ObservedGeneration:   rc.Status.ObservedGeneration,
		},
	}
	for _, c := range rc.Status.Conditions {
		rs.Status.Conditions = append(rs.Status.Conditions, appsv1.ReplicaSetCondition{Type: appsv1.ReplicaSetConditionType(c.Type),
			Status: c.Status, LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message})
	}
	return rs
}

func statusOf(s appsv1.ReplicaSetStatus) corev1.ReplicationControllerStatus {
	out := corev1.ReplicationControllerStatus{
		Replicas:             s.Replicas,
		FullyLabeledReplicas: s.FullyLabeledReplicas,
		ReadyReplicas:        s.ReadyReplicas,
		AvailableReplicas:    s.AvailableReplicas,
		ObservedGeneration:   s.ObservedGeneration,
	}
	for _, c := range s.Conditions {
		out.Conditions = append(out.Conditions, corev1.ReplicationControllerCondition{Type: corev1.ReplicationControllerConditionType(c.Type),
			Status: c.Status, LastTransitionTime: c.LastTransitionTime, Reason: c.Reason, Message: c.Message})
	}
	return out
}
