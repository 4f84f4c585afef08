package podsync

import (
	"fmt"
	"sort"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Decide computes the actions and the status for one pod.
func Decide(in Input) Decision {
	d := Decision{}
	pod := in.Pod
	byName := attemptsByName(in.Containers)
	terminal := pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
	terminating := pod.DeletionTimestamp != nil
	// Containers not in the spec (a name removed) are stopped and dropped.
	inSpec := map[string]bool{}
	for _, c := range pod.Spec.Containers {
		inSpec[c.Name] = true
	}
	for name, recs := range byName {
		if !inSpec[name] {
			for _, r := range recs {
				d.stopOrRemove(r, 0, "not in the pod spec")
			}
		}
	}
	if terminal && !terminating {
		// A finished pod never runs again; its status stays as it ended.
		for _, recs := range byName {
			for _, r := range recs {
				d.stopOrRemove(r, 0, "pod finished")
			}
		}
		d.Stop = dedupeStops(d.Stop)
		return d
	}
	stored := map[string]*corev1.ContainerStatus{}
	for i := range pod.Status.ContainerStatuses {
		stored[pod.Status.ContainerStatuses[i].Name] = &pod.Status.ContainerStatuses[i]
	}
	running := 0
	statuses := make([]corev1.ContainerStatus, 0, len(pod.Spec.Containers))
	for _, c := range pod.Spec.Containers {
		recs := byName[c.Name]
		for _, old := range recs[min(len(recs), 2):] {
			d.stopOrRemove(old, 0, "old attempt")
		}
		cs := d.container(in, c, recs, stored[c.Name], terminating)
		if cs.State.Running != nil {
			running++
		}
		statuses = append(statuses, cs)
	}
	d.Stop = dedupeStops(d.Stop)
	if terminating && running == 0 && len(d.Start) == 0 {
		status := buildStatus(in, statuses, true)
		if len(pod.Finalizers) == 0 {
			d.Delete, d.Change, d.Status = true, "deleted", &status
			return d
		}
		// Finalizers hold the pod: report how it ended; removing the last
		// finalizer of a finished pod deletes it (events.UpdateWrite).
		if !sameStatus(&pod.Status, &status) {
			d.Status, d.Change = &status, changeOf(&pod.Status, &status)
		}
		return d
	}
	status := buildStatus(in, statuses, false)
	if !sameStatus(&pod.Status, &status) {
		d.Status = &status
		d.Change = changeOf(&pod.Status, &status)
	}
	return d
}

func attemptsByName(cs []Container) map[string][]Container {
	m := map[string][]Container{}
	for _, c := range cs {
		m[c.Name] = append(m[c.Name], c)
	}
	for _, recs := range m {
		sort.Slice(recs, func(i, j int) bool { return recs[i].Attempt > recs[j].Attempt })
	}
	return m
}

func (d *Decision) stopOrRemove(c Container, grace time.Duration, why string) {
	if c.Running {
		if !c.Stopping {
			d.Stop = append(d.Stop, Stop{ID: c.ID, Grace: grace, Reason: why})
		}
		return
	}
	d.Remove = append(d.Remove, c.ID)
}

func dedupeStops(s []Stop) []Stop {
	seen := map[string]bool{}
	out := s[:0]
	for _, x := range s {
		if !seen[x.ID] {
			seen[x.ID] = true
			out = append(out, x)
		}
	}
	return out
}

func (d *Decision) requeue(after time.Duration) {
	if after > 0 && (d.Requeue == 0 || after < d.Requeue) {
		d.Requeue = after
	}
}

// container decides one container of the spec and reports its status.
// recs are its attempts, newest first; stored is what the log says of it.
func (d *Decision) container(in Input, c corev1.Container, recs []Container, stored *corev1.ContainerStatus, terminating bool) corev1.ContainerStatus {
	pod := in.Pod
	cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image}
	if len(recs) == 0 {
		return d.noAttempt(in, c, stored, terminating)
	}
	latest := recs[0]
	cs.ContainerID = in.RuntimeName + "://" + latest.ID
	cs.ImageID = latest.ImageID
	cs.RestartCount = int32(latest.Attempt)
	if len(recs) > 1 {
		cs.LastTerminationState.Terminated = terminated(in, recs[1])
	} else if stored != nil && stored.ContainerID == cs.ContainerID {
		cs.LastTerminationState = *stored.LastTerminationState.DeepCopy()
	} else if stored != nil && latest.Attempt > 0 {
		if t := previousRun(stored); t != nil {
			cs.LastTerminationState.Terminated = t
		}
	}
	if latest.Running {
		probe := in.Probes[latest.ID]
		started := c.StartupProbe == nil || probe.Started
		cs.State.Running = &corev1.ContainerStateRunning{StartedAt: stamp(latest.StartedAt)}
		cs.Started = ptr(started)
		cs.Ready = started && (c.ReadinessProbe == nil || probe.Ready)
		switch {
		case latest.Stopping:
		case terminating:
			d.Stop = append(d.Stop, Stop{ID: latest.ID, Container: c.Name, Grace: terminationGrace(pod, in.Now), Reason: "pod terminating"})
		case c.StartupProbe != nil && !started && probe.StartupFailed:
			d.probeKill(pod, c, latest, Startup, c.StartupProbe)
		case c.LivenessProbe != nil && started && probe.LivenessFailed:
			d.probeKill(pod, c, latest, Liveness, c.LivenessProbe)
		}
		return cs
	}
	cs.Started = ptr(false)
	term := terminated(in, latest)
	if terminating || !restarts(pod.Spec.RestartPolicy, latest) {
		cs.State.Terminated = term
		return cs
	}
	// Restart after back-off: 10s, 20s, 40s... up to 5m.
	cs.LastTerminationState = corev1.ContainerState{Terminated: term}
	delay := d.backoff(in, c.Name, latest)
	if wait := latest.FinishedAt.Add(delay).Sub(in.Now); wait > 0 {
		cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff",
			Message: fmt.Sprintf("back-off %v restarting failed container=%s pod=%s_%s(%s)", delay, c.Name, pod.Name, pod.Namespace, pod.UID)}
		d.requeue(wait)
		return cs
	}
	d.start(in, c.Name, latest.Attempt+1, &cs)
	return cs
}

// noAttempt handles a container the runtime does not hold: never started,
// or started by a previous life of the agent.
func (d *Decision) noAttempt(in Input, c corev1.Container, stored *corev1.ContainerStatus, terminating bool) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: c.Name, Image: c.Image, Started: ptr(false)}
	if stored != nil {
		cs.ImageID, cs.ContainerID, cs.RestartCount = stored.ImageID, stored.ContainerID, stored.RestartCount
	}
	prev := previousRun(stored)
	startedBefore := prev != nil || (stored != nil && stored.State.Waiting != nil && stored.LastTerminationState.Terminated != nil)
	if terminating {
		switch {
		case prev != nil:
			cs.State.Terminated = prev
		case stored != nil:
			cs.State = *stored.State.DeepCopy()
		default:
			cs.State.Waiting = &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}
		}
		return cs
	}
	if !startedBefore {
		d.start(in, c.Name, 0, &cs)
		return cs
	}
	if prev == nil {
		prev = stored.LastTerminationState.Terminated
	}
	if !restarts(in.Pod.Spec.RestartPolicy, Container{ExitCode: int(prev.ExitCode)}) {
		cs.State.Terminated = prev
		if stored.State.Terminated != nil {
			cs.LastTerminationState = *stored.LastTerminationState.DeepCopy()
		}
		return cs
	}
	cs.LastTerminationState = corev1.ContainerState{Terminated: prev}
	d.start(in, c.Name, int(stored.RestartCount)+1, &cs)
	return cs
}

// start asks for an attempt unless a recent start failed; either way the
// container waits.
func (d *Decision) start(in Input, name string, attempt int, cs *corev1.ContainerStatus) {
	f, ok := in.Failures[name]
	if ok && f.Image != "" && f.Image != cs.Image {
		ok = false // another image's failure (the pod's image changed): try this one now
	}
	if ok && f.Reason == "ErrImagePull" {
		if waiting, wait := imagePullWait(f, cs.Image, in.Now); waiting != nil {
			cs.State = corev1.ContainerState{Waiting: waiting}
			d.requeue(wait)
			return
		}
	} else if ok {
		if wait := f.At.Add(StartRetry).Sub(in.Now); wait > 0 {
			cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: f.Reason, Message: f.Message}}
			d.requeue(wait)
			return
		}
	}
	cs.State = corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	d.Start = append(d.Start, Start{Container: name, Attempt: attempt})
}

// imagePullWait is how a container whose image pull failed waits at now:
// ErrImagePull (the pull's error) just after the failure, then
// ImagePullBackOff until the back-off runs out, and how long until the next
// change; nil when the pull is due again.
func imagePullWait(f StartFailure, image string, now time.Time) (*corev1.ContainerStateWaiting, time.Duration) {
	backoff := BackoffInitial
	for i := 1; i < f.Count && backoff < BackoffMax; i++ {
		backoff *= 2
	}
	backoff = min(backoff, BackoffMax)
	shown := min(ErrImagePullShown, backoff)
	switch since := now.Sub(f.At); {
	case since < shown:
		return &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: f.Message}, shown - since
	case since < backoff:
		return &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff",
			Message: fmt.Sprintf("Back-off pulling image %q", image)}, backoff - since
	}
	return nil, 0
}

// previousRun is how the stored status says the last attempt ended: its
// terminated state, or — when it was running and the runtime no longer holds
// it — lost.
func previousRun(stored *corev1.ContainerStatus) *corev1.ContainerStateTerminated {
	switch {
	case stored == nil:
		return nil
	case stored.State.Terminated != nil:
		return stored.State.Terminated.DeepCopy()
	case stored.State.Running != nil:
		return &corev1.ContainerStateTerminated{ExitCode: 137, Reason: "ContainerStatusUnknown",
			Message:   "The container could not be located when the node agent restarted",
			StartedAt: stored.State.Running.StartedAt, ContainerID: stored.ContainerID}
	}
	return nil
}

// stamp drops sub-second noise: stored times have second precision.
func stamp(t time.Time) metav1.Time {
	if t.IsZero() {
		return metav1.Time{}
	}
	return metav1.NewTime(t.UTC().Truncate(time.Second))
}

func ptr[T any](v T) *T { return &v }
