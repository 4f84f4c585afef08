package podsync

import (
	"fmt"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// restarts applies restartPolicy to an attempt that ended: Always restarts
// it, OnFailure when it failed or a probe killed it, Never never.
func restarts(p corev1.RestartPolicy, ended Container) bool {
	switch p {
	case corev1.RestartPolicyNever:
		return false
	case corev1.RestartPolicyOnFailure:
		return ended.ExitCode != 0 || ended.ProbeKill != ""
	}
	return true
}

// backoff is the delay before the attempt after ended: the one already
// chosen for it, or a new one the agent is asked to remember.
func (d *Decision) backoff(in Input, name string, ended Container) time.Duration {
	prev, ok := in.Backoffs[name]
	if ok && prev.Attempt == ended.Attempt {
		return prev.Delay
	}
	var last *Backoff
	if ok && prev.Attempt < ended.Attempt {
		last = &prev
	}
	b := Backoff{Attempt: ended.Attempt, Delay: nextBackoff(last, ended)}
	if d.Backoffs == nil {
		d.Backoffs = map[string]Backoff{}
	}
	d.Backoffs[name] = b
	return b.Delay
}

// nextBackoff doubles the last delay up to BackoffMax; the first crash, or
// one after a run of BackoffReset or more, waits BackoffInitial.
func nextBackoff(last *Backoff, ended Container) time.Duration {
	if last == nil || ended.FinishedAt.Sub(ended.StartedAt) >= BackoffReset {
		return BackoffInitial
	}
	return min(last.Delay*2, BackoffMax)
}

// probeKill stops a container whose liveness or startup probe failed, with
// the kubelet's message.
func (d *Decision) probeKill(pod *corev1.Pod, c corev1.Container, latest Container, kind ProbeKind, pr *corev1.Probe) {
	msg := fmt.Sprintf("Container %s failed %s probe", c.Name, kind)
	if pod.Spec.RestartPolicy != corev1.RestartPolicyNever {
		msg += ", will be restarted"
	}
	d.Stop = append(d.Stop, Stop{ID: latest.ID, Container: c.Name, Grace: probeGrace(pod, pr),
		Reason: string(kind) + " probe failed", ProbeKill: msg})
}

// terminationGrace is what is left of a terminating pod's grace period,
// counted from deletionTimestamp (the time of the delete request), and at
// least MinGrace.
func terminationGrace(pod *corev1.Pod, now time.Time) time.Duration {
	grace := DefaultGrace
	if pod.DeletionGracePeriodSeconds != nil {
		grace = time.Duration(*pod.DeletionGracePeriodSeconds) * time.Second
	}
	left := pod.DeletionTimestamp.Add(grace).Sub(now)
	return max(left, MinGrace)
}

// probeGrace is the grace of a container killed by its probe: the probe's
// own terminationGracePeriodSeconds, else the pod's.
func probeGrace(pod *corev1.Pod, pr *corev1.Probe) time.Duration {
	if pr != nil && pr.TerminationGracePeriodSeconds != nil {
		return time.Duration(*pr.TerminationGracePeriodSeconds) * time.Second
	}
	if pod.Spec.TerminationGracePeriodSeconds != nil {
		return time.Duration(*pod.Spec.TerminationGracePeriodSeconds) * time.Second
	}
	return DefaultGrace
}

func terminated(in Input, c Container) *corev1.ContainerStateTerminated {
	msg := c.Message
	if msg == "" {
		msg = c.ProbeKill
	}
	return &corev1.ContainerStateTerminated{ExitCode: int32(c.ExitCode), Reason: c.Reason, Message: msg,
		StartedAt: stamp(c.StartedAt), FinishedAt: stamp(c.FinishedAt), ContainerID: in.RuntimeName + "://" + c.ID}
}
