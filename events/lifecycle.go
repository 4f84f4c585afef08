package events

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Pod changes used by every writer.
const (
	Terminating  = "terminating"
	Scheduled    = "scheduled"
	StatusChange = "status"
)

// DeleteWrite is the one rule for deleting an object, as Kubernetes does it:
// a pod bound to a node is first marked terminating (deletionTimestamp and a
// grace period) so its node agent can stop it and then delete it; anything
// else, or a grace period of 0, is deleted at once. obj is changed in place
// (it must be a copy); expected is the Entry.Seq the caller read.
// grace < 0 means the pod's own terminationGracePeriodSeconds (default 30).
func DeleteWrite(res Resource, obj Object, expected uint64, grace int64, now time.Time) Write {
	pod, isPod := obj.(*corev1.Pod)
	if !isPod || pod.Spec.NodeName == "" || grace == 0 || isFinished(pod) {
		return Write{Resource: res, Change: Deleted, Object: obj, Expected: expected}
	}
	if grace < 0 {
		grace = 30
		if pod.Spec.TerminationGracePeriodSeconds != nil {
			grace = *pod.Spec.TerminationGracePeriodSeconds
		}
	}
	if pod.DeletionTimestamp == nil {
		t := metav1.NewTime(now.UTC().Truncate(time.Second))
		pod.DeletionTimestamp = &t
		pod.DeletionGracePeriodSeconds = &grace
	} else if pod.DeletionGracePeriodSeconds != nil && grace < *pod.DeletionGracePeriodSeconds {
		// A second delete may only shorten the grace period, as in Kubernetes.
		pod.DeletionGracePeriodSeconds = &grace
	}
	return Write{Resource: res, Change: Terminating, Object: obj, Expected: expected}
}

// isFinished: a pod whose containers all ended has nothing left to stop.
func isFinished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}
