package workload

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
)

// phaseRank orders phases by how little a pod has got going.
var phaseRank = map[corev1.PodPhase]int{corev1.PodPending: 0, corev1.PodUnknown: 1, corev1.PodRunning: 2}

// deleteFirst tells whether a should be deleted before b, by Kubernetes'
// ranking: unscheduled before scheduled; Pending before Unknown before
// Running; not ready before ready; pods doubled up on a node before pods
// alone; ready for less time before longer; more restarts before fewer;
// newer before older.
func deleteFirst(a, b *corev1.Pod, onNode map[string]int) bool {
	if (a.Spec.NodeName == "") != (b.Spec.NodeName == "") {
		return a.Spec.NodeName == ""
	}
	if pa, pb := phaseRank[a.Status.Phase], phaseRank[b.Status.Phase]; pa != pb {
		return pa < pb
	}
	ra, rb := IsReady(a), IsReady(b)
	if ra != rb {
		return !ra
	}
	if na, nb := onNode[a.Spec.NodeName], onNode[b.Spec.NodeName]; na != nb {
		return na > nb
	}
	if ra && rb {
		ta, tb := ReadyCondition(a).LastTransitionTime, ReadyCondition(b).LastTransitionTime
		if !ta.Equal(&tb) {
			return ta.After(tb.Time)
		}
	}
	if ca, cb := restarts(a), restarts(b); ca != cb {
		return ca > cb
	}
	ta, tb := a.CreationTimestamp, b.CreationTimestamp
	if ta.IsZero() != tb.IsZero() {
		return ta.IsZero()
	}
	if !ta.Equal(&tb) {
		return ta.After(tb.Time)
	}
	return a.Name < b.Name
}

func restarts(p *corev1.Pod) int32 {
	var n int32
	for _, c := range p.Status.ContainerStatuses {
		n += c.RestartCount
	}
	return n
}

// PodsToDelete picks the n least useful of the active pods, as Kubernetes
// ranks them.
func PodsToDelete(active []*corev1.Pod, n int) []*corev1.Pod {
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
