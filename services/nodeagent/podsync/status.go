package podsync

import (
	"time"

	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// buildStatus assembles the pod status from the container statuses,
// keeping what the agent does not own (conditions of other writers,
// qosClass, startTime, transition times of unchanged conditions).
// final: a deleted pod's containers have all stopped and none will restart,
// so its phase is terminal (Succeeded when all exited 0, else Failed).
func buildStatus(in Input, containers []corev1.ContainerStatus, final bool) corev1.PodStatus {
	old := &in.Pod.Status
	st := *old.DeepCopy()
	st.ContainerStatuses = containers
	st.Phase = phaseOf(in.Pod.Spec.RestartPolicy, containers)
	if final {
		st.Phase = corev1.PodSucceeded
		for _, cs := range containers {
			if cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 {
				st.Phase = corev1.PodFailed
			}
		}
	}
	st.HostIP = in.HostIP
	st.HostIPs = nil
	if in.HostIP != "" {
		st.HostIPs = []corev1.HostIP{{IP: in.HostIP}}
	}
	st.PodIP = in.PodIP
	st.PodIPs = nil
	if in.PodIP != "" {
		st.PodIPs = []corev1.PodIP{{IP: in.PodIP}}
	}
	if st.StartTime == nil {
		t := stamp(in.Now)
		st.StartTime = &t
	}
	var unready []string
	for _, cs := range containers {
		if !cs.Ready {
			unready = append(unready, cs.Name)
		}
	}
	ready := condition(corev1.ConditionTrue, "", "")
	if len(unready) > 0 {
		ready = condition(corev1.ConditionFalse, "ContainersNotReady",
			fmt.Sprintf("containers with unready status: [%s]", strings.Join(unready, " ")))
	}
	if st.Phase == corev1.PodSucceeded || st.Phase == corev1.PodFailed {
		ready = condition(corev1.ConditionFalse, "PodCompleted", "")
	}
	setCondition(&st, in.Now, corev1.PodScheduled, condition(corev1.ConditionTrue, "", ""))
	setCondition(&st, in.Now, corev1.PodInitialized, condition(corev1.ConditionTrue, "", ""))
	setCondition(&st, in.Now, corev1.ContainersReady, ready)
	setCondition(&st, in.Now, corev1.PodReady, ready)
	return st
}

func condition(s corev1.ConditionStatus, reason, msg string) corev1.PodCondition {
	return corev1.PodCondition{Status: s, Reason: reason, Message: msg}
}

// setCondition sets one condition, keeping its transition time unless its
// status changes. PodScheduled as the scheduler wrote it is kept.
func setCondition(st *corev1.PodStatus, now time.Time, t corev1.PodConditionType, c corev1.PodCondition) {
	c.Type = t
	for i := range st.Conditions {
		old := &st.Conditions[i]
		if old.Type != t {
			continue
		}
		if old.Status == c.Status {
			if t == corev1.PodScheduled {
				return
			}
			c.LastTransitionTime = old.LastTransitionTime
			c.LastProbeTime = old.LastProbeTime
		} else {
			c.LastTransitionTime = stamp(now)
		}
		*old = c
		return
	}
	c.LastTransitionTime = stamp(now)
	st.Conditions = append(st.Conditions, c)
}

// phaseOf follows the kubelet: a container never started keeps the pod
// Pending; a restarting one counts as stopped.
func phaseOf(policy corev1.RestartPolicy, cs []corev1.ContainerStatus) corev1.PodPhase {
	var running, waiting, stopped, succeeded, failed int
	for _, c := range cs {
		switch {
		case c.State.Running != nil:
			running++
		case c.State.Terminated != nil:
			stopped++
			if c.State.Terminated.ExitCode == 0 {
				succeeded++
			} else {
				failed++
			}
		case c.State.Waiting != nil && c.LastTerminationState.Terminated != nil:
			stopped++
		default:
			waiting++
		}
	}
	switch {
	case len(cs) == 0 || waiting > 0:
		return corev1.PodPending
	case running > 0:
		return corev1.PodRunning
	case policy == corev1.RestartPolicyNever:
		if failed > 0 {
			return corev1.PodFailed
		}
		return corev1.PodSucceeded
	case policy == corev1.RestartPolicyOnFailure && stopped == succeeded:
		return corev1.PodSucceeded
	}
	return corev1.PodRunning // restarting
}

// sameStatus compares at the stored precision (whole seconds).
func sameStatus(a, b *corev1.PodStatus) bool {
	return equality.Semantic.DeepEqual(normalize(a), normalize(b))
}

func normalize(s *corev1.PodStatus) *corev1.PodStatus {
	n := s.DeepCopy()
	trunc := func(t *metav1.Time) {
		if t != nil && !t.IsZero() {
			*t = stamp(t.Time)
		}
	}
	trunc(n.StartTime)
	for i := range n.Conditions {
		trunc(&n.Conditions[i].LastTransitionTime)
		trunc(&n.Conditions[i].LastProbeTime)
	}
	for i := range n.ContainerStatuses {
		for _, st := range []*corev1.ContainerState{&n.ContainerStatuses[i].State, &n.ContainerStatuses[i].LastTerminationState} {
			if st.Running != nil {
				trunc(&st.Running.StartedAt)
			}
			if st.Terminated != nil {
				trunc(&st.Terminated.StartedAt)
				trunc(&st.Terminated.FinishedAt)
			}
		}
	}
	if len(n.Conditions) == 0 {
		n.Conditions = nil
	}
	if len(n.ContainerStatuses) == 0 {
		n.ContainerStatuses = nil
	}
	return n
}

// changeOf names the status event by its most telling transition.
func changeOf(old, cur *corev1.PodStatus) string {
	switch {
	case cur.Phase != old.Phase && cur.Phase == corev1.PodSucceeded:
		return "succeeded"
	case cur.Phase != old.Phase && cur.Phase == corev1.PodFailed:
		return "failed"
	}
	wasReady, isReady := readyOf(old), readyOf(cur)
	switch {
	case isReady && !wasReady:
		return "ready"
	case wasReady && !isReady:
		return "unready"
	case cur.Phase != old.Phase && cur.Phase == corev1.PodRunning:
		return "running"
	}
	oldReasons := map[string]string{}
	for _, cs := range old.ContainerStatuses {
		if cs.State.Waiting != nil {
			oldReasons[cs.Name] = cs.State.Waiting.Reason
		}
	}
	for _, cs := range cur.ContainerStatuses {
		if cs.State.Waiting != nil && oldReasons[cs.Name] != cs.State.Waiting.Reason {
			return "waiting"
		}
	}
	return "status"
}

func readyOf(s *corev1.PodStatus) bool {
	for _, c := range s.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}
