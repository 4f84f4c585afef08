package rollout

import (
	"sort"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/rand"
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
}

// maxGeneratedNameLength leaves room for the five random characters within
// the 63 characters of a label-safe name, as Kubernetes does.
const maxGeneratedNameLength = 63 - 5

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
	keep, adopt, release := claim(in.Pods, in.Orphans, sel, deleting)
	for _, p := range release {
		c := p.DeepCopy()
		c.OwnerReferences = withoutOwner(c.OwnerReferences, rs.UID)
		res.add(Update, podsResource, c)
	}
	claimed := append([]*corev1.Pod(nil), keep...)
	for _, p := range adopt {
		c := p.DeepCopy()
		c.OwnerReferences = append(c.OwnerReferences, controllerRef(appsV1, "ReplicaSet", rs))
		res.add(Update, podsResource, c)
		claimed = append(claimed, c)
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
			for _, p := range newPods(rs, -diff, claimed, in.PodName) {
				res.add(Create, podsResource, p)
			}
		case diff > 0:
			for _, p := range podsToDelete(active, diff) {
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
func IsActive(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

// newPods makes n pods from the ReplicaSet's template, named uniquely among
// themselves and the pods it already has.
func newPods(rs *appsv1.ReplicaSet, n int, existing []*corev1.Pod, name func(string) string) []*corev1.Pod {
	if name == nil {
		name = func(base string) string { return base + rand.String(5) }
	}
	base := rs.Name + "-"
	if len(base) > maxGeneratedNameLength {
		base = base[:maxGeneratedNameLength]
	}
	used := map[string]bool{}
	for _, p := range existing {
		used[p.Name] = true
	}
	t := &rs.Spec.Template
	out := make([]*corev1.Pod, 0, n)
	for len(out) < n {
		nm := name(base)
		if used[nm] {
			continue
		}
		used[nm] = true
		pod := &corev1.Pod{
			ObjectMeta: metav1.ObjectMeta{
				Name:            nm,
				GenerateName:    base,
				Namespace:       rs.Namespace,
				Labels:          copyMap(t.Labels),
				Annotations:     copyMap(t.Annotations),
				Finalizers:      append([]string(nil), t.Finalizers...),
				OwnerReferences: []metav1.OwnerReference{controllerRef(appsV1, "ReplicaSet", rs)},
			},
			Spec:   *t.Spec.DeepCopy(),
			Status: corev1.PodStatus{Phase: corev1.PodPending},
		}
		out = append(out, pod)
	}
	return out
}

func copyMap(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
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
		ready := readyCondition(p)
		if ready == nil || ready.Status != corev1.ConditionTrue {
			continue
		}
		st.ReadyReplicas++
		if left := availableIn(ready, minReady, now); left <= 0 {
			st.AvailableReplicas++
		} else if wait == 0 || left < wait {
			wait = left
		}
	}
	return st, wait
}

func readyCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// availableIn is how long until a ready pod counts as available; <= 0: now.
func availableIn(ready *corev1.PodCondition, minReady time.Duration, now time.Time) time.Duration {
	if minReady == 0 {
		return 0
	}
	if ready.LastTransitionTime.IsZero() {
		return minReady // unknown since when: wait a full period
	}
	// Available once strictly more than minReady has passed, as Kubernetes.
	left := ready.LastTransitionTime.Add(minReady).Sub(now)
	if left >= 0 {
		return left + time.Millisecond
	}
	return 0
}

// podsToDelete picks the n least useful pods, as Kubernetes ranks them.
func podsToDelete(active []*corev1.Pod, n int) []*corev1.Pod {
	onNode := map[string]int{}
	for _, p := range active {
		if p.Spec.NodeName != "" {
			onNode[p.Spec.NodeName]++
		}
	}
	ranked := append([]*corev1.Pod(nil), active...)
	sort.SliceStable(ranked, func(i, j int) bool { return deleteFirst(ranked[i], ranked[j], onNode) })
	return ranked[:min(n, len(ranked))]
}
