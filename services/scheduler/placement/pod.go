package placement

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// ReasonPodUnschedulable is the PodScheduled=False reason Kubernetes uses.
const ReasonPodUnschedulable = corev1.PodReasonUnschedulable

// IsPending tells whether the default scheduler must place the pod: not bound,
// not being deleted, not started, and not meant for another scheduler.
func IsPending(p *corev1.Pod) bool {
	if p.Spec.NodeName != "" || p.DeletionTimestamp != nil {
		return false
	}
	if p.Status.Phase != "" && p.Status.Phase != corev1.PodPending {
		return false
	}
	return p.Spec.SchedulerName == "" || p.Spec.SchedulerName == corev1.DefaultSchedulerName
}

// Bind returns a copy of pod bound to node, with PodScheduled=True.
func Bind(pod *corev1.Pod, node string, now time.Time) *corev1.Pod {
	out := pod.DeepCopy()
	out.Spec.NodeName = node
	setScheduled(out, corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionTrue}, now)
	return out
}

// MarkUnschedulable returns a copy of pod with PodScheduled=False, reason
// Unschedulable and message, and whether that changed anything. Callers
// append only on a change, so retrying an unschedulable pod writes nothing
// until the picture (and so the message) changes.
func MarkUnschedulable(pod *corev1.Pod, message string, now time.Time) (*corev1.Pod, bool) {
	want := corev1.PodCondition{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
		Reason: ReasonPodUnschedulable, Message: message}
	if c := condition(pod, corev1.PodScheduled); c != nil &&
		c.Status == want.Status && c.Reason == want.Reason && c.Message == want.Message {
		return pod, false
	}
	out := pod.DeepCopy()
	setScheduled(out, want, now)
	return out, true
}

// setScheduled sets the PodScheduled condition; lastTransitionTime moves only
// when the status flips, as in Kubernetes.
func setScheduled(p *corev1.Pod, want corev1.PodCondition, now time.Time) {
	t := metav1.NewTime(now.UTC().Truncate(time.Second))
	if c := condition(p, want.Type); c != nil {
		if c.Status == want.Status {
			t = c.LastTransitionTime
		}
		want.LastTransitionTime = t
		*c = want
		return
	}
	want.LastTransitionTime = t
	p.Status.Conditions = append(p.Status.Conditions, want)
}

func condition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}
