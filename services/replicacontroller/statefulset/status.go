package statefulset

import (
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// status is the set's status from its pods, and when to look again for a
// pod that becomes available later (minReadySeconds).
func (d *decision) status(pods []*corev1.Pod) (appsv1.StatefulSetStatus, time.Duration) {
	set := d.set
	st := appsv1.StatefulSetStatus{ObservedGeneration: set.Generation, CollisionCount: set.Status.CollisionCount,
		CurrentRevision: set.Status.CurrentRevision, UpdateRevision: d.revision}
	if st.CurrentRevision == "" {
		st.CurrentRevision = d.revision
	}
	minReady := time.Duration(set.Spec.MinReadySeconds) * time.Second
	var wait time.Duration
	for _, p := range pods {
		if p.DeletionTimestamp != nil || workload.IsFinished(p) {
			continue
		}
		st.Replicas++
		ready, available, w := workload.Availability(p, minReady, d.in.Now)
		if ready {
			st.ReadyReplicas++
		}
		if available {
			st.AvailableReplicas++
		} else if w > 0 && (wait == 0 || w < wait) {
			wait = w
		}
		switch p.Labels[RevisionHashLabel] {
		case d.revision:
			st.UpdatedReplicas++
		case st.CurrentRevision:
			st.CurrentReplicas++
		}
	}
	if st.CurrentRevision == d.revision {
		st.CurrentReplicas = st.UpdatedReplicas
	}
	// The update is complete once every pod is at the update revision:
	// it becomes the current one, as in Kubernetes.
	if st.UpdatedReplicas == int32(d.replicas) && st.ReadyReplicas == int32(d.replicas) && st.Replicas == int32(d.replicas) {
		st.CurrentRevision, st.CurrentReplicas = d.revision, st.UpdatedReplicas
	}
	return st, wait
}
