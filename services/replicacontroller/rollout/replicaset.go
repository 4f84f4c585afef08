package rollout

import (
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

const podsResource = "pods"

// ReplicaSetInput is what the ReplicaSet decision reads.
type ReplicaSetInput struct {
	ReplicaSet *appsv1.ReplicaSet
	// Pods are the pods whose controller ownerReference is the ReplicaSet's
	// UID; Orphans are pods of its namespace with no controller (the ones
	// matching its selector are adopted).
	Pods    []*corev1.Pod
	Orphans []*corev1.Pod
	Now     time.Time
	// PodName names a new pod from its base "<rs>-". Nil appends five random
	// characters, as Kubernetes' generateName does.
	PodName func(base string) string
	// Kind is the controller the pods name in their ownerReference; zero
	// is apps/v1 ReplicaSet. A ReplicationController decides as a
	// ReplicaSet of kind v1 ReplicationController.
	Kind schema.GroupVersionKind
}

// DecideReplicaSet keeps spec.replicas active pods: it adopts matching
// orphans, releases owned pods that no longer match, creates missing pods,
// deletes extra ones (the least useful first) and writes the status as the
// pods stand now.
func DecideReplicaSet(in ReplicaSetInput) Result {
	rs := in.ReplicaSet
	if rs == nil || rs.Spec.Selector == nil {
		return Result{}
	}
	sel, err := metav1.LabelSelectorAsSelector(rs.Spec.Selector)
	if err != nil || sel.Empty() {
		return Result{}
	}
	var res Result
	deleting := rs.DeletionTimestamp != nil
	kind := in.Kind
	if kind.Empty() {
		kind = appsv1.SchemeGroupVersion.WithKind("ReplicaSet")
	}
	claimed, release, adopt := workload.Claimed(in.Pods, in.Orphans, sel, rs, kind, (*corev1.Pod).DeepCopy)
	for _, p := range append(release, adopt...) {
		res.add(Update, podsResource, p)
	}
	var active []*corev1.Pod
	for _, p := range claimed {
		if IsActive(p) {
			active = append(active, p)
		}
	}
	if !deleting {
		diff := len(active) - int(replicasOf(rs.Spec.Replicas))
		switch {
		case diff < 0:
			for _, p := range newPods(rs, kind, -diff, claimed, in.PodName) {
				res.add(Create, podsResource, p)
			}
		case diff > 0:
			for _, p := range workload.PodsToDelete(active, diff) {
				res.add(Delete, podsResource, p.DeepCopy())
			}
		}
	}
	st, wait := replicaSetStatus(rs, active, in.Now)
	res.requeueAfter(wait)
	if !equality.Semantic.DeepEqual(rs.Status, st) {
		c := rs.DeepCopy()
		c.Status = st
		res.add(Status, replicaSetsResource, c)
	}
	return res
}

// IsActive: a pod that is neither terminating nor finished counts toward
// its controller's replicas.
func IsActive(p *corev1.Pod) bool { return workload.IsActive(p) }

// newPods makes n pods from the ReplicaSet's template, named uniquely among
// themselves and the pods it already has.
func newPods(rs *appsv1.ReplicaSet, kind schema.GroupVersionKind, n int, existing []*corev1.Pod, name func(string) string) []*corev1.Pod {
	namer := workload.NewNamer(name, existing)
	base := workload.PodBase(rs.Name)
	ref := workload.ControllerRef(kind, rs)
	out := make([]*corev1.Pod, 0, n)
	for range n {
		out = append(out, workload.NewPod(&rs.Spec.Template, rs.Namespace, namer.Next(base), base, ref))
	}
	return out
}

// replicaSetStatus counts the active pods, and says when a ready pod will
// have been ready for minReadySeconds (then it becomes available).
func replicaSetStatus(rs *appsv1.ReplicaSet, active []*corev1.Pod, now time.Time) (appsv1.ReplicaSetStatus, time.Duration) {
	st := appsv1.ReplicaSetStatus{ObservedGeneration: rs.Generation, Replicas: int32(len(active))}
	for _, c := range rs.Status.Conditions {
		st.Conditions = append(st.Conditions, *c.DeepCopy())
	}
	tmplLabels := labels.SelectorFromSet(rs.Spec.Template.Labels)
	minReady := time.Duration(rs.Spec.MinReadySeconds) * time.Second
	var wait time.Duration
	for _, p := range active {
		if tmplLabels.Matches(labels.Set(p.Labels)) {
			st.FullyLabeledReplicas++
		}
		ready, available, left := workload.Availability(p, minReady, now)
		if ready {
			st.ReadyReplicas++
		}
		if available {
			st.AvailableReplicas++
		} else if left > 0 && (wait == 0 || left < wait) {
			wait = left
		}
	}
	return st, wait
}
