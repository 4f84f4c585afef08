package podsync

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2025, 1, 2, 3, 4, 5, 600_000_000, time.UTC)

func pod(mut ...func(*corev1.Pod)) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "uid-1"},
		Spec: corev1.PodSpec{NodeName: "n1", RestartPolicy: corev1.RestartPolicyAlways,
			Containers: []corev1.Container{{Name: "hello", Image: "jetplane/hello:1"}}},
		Status: corev1.PodStatus{Phase: corev1.PodPending, Conditions: []corev1.PodCondition{
			{Type: corev1.PodScheduled, Status: corev1.ConditionTrue, LastTransitionTime: metav1.NewTime(t0.Add(-time.Minute).Truncate(time.Second))}}},
	}
	for _, m := range mut {
		m(p)
	}
	return p
}

func withProbe(p *corev1.Pod) {
	p.Spec.Containers[0].ReadinessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz"}}}
}

func policy(r corev1.RestartPolicy) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.RestartPolicy = r }
}

func terminating(ago time.Duration, grace int64) func(*corev1.Pod) {
	return func(p *corev1.Pod) {
		ts := metav1.NewTime(t0.Add(-ago))
		p.DeletionTimestamp, p.DeletionGracePeriodSeconds = &ts, &grace
	}
}

func running(id string, attempt int) Container {
	return Container{ID: id, Name: "hello", Attempt: attempt, ImageID: "sha256:abc", Running: true, StartedAt: t0.Add(-30 * time.Second)}
}

func exited(id string, attempt, code int, ago time.Duration) Container {
	reason := "Completed"
	if code != 0 {
		reason = "Error"
	}
	return Container{ID: id, Name: "hello", Attempt: attempt, ImageID: "sha256:abc", ExitCode: code, Reason: reason,
		StartedAt: t0.Add(-time.Minute), FinishedAt: t0.Add(-ago)}
}

func withLiveness(p *corev1.Pod) {
	p.Spec.Containers[0].LivenessProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/healthz"}}}
}

func withStartup(p *corev1.Pod) {
	p.Spec.Containers[0].StartupProbe = &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"true"}}}}
}

func stopping(c Container) Container {
	c.Stopping = true
	return c
}

func killed(c Container, msg string) Container {
	c.ProbeKill = msg
	return c
}

func oom(c Container) Container {
	c.Reason = "OOMKilled"
	return c
}

func ranFor(c Container, d time.Duration) Container {
	c.StartedAt = c.FinishedAt.Add(-d)
	return c
}

func probes(i Input, id string, r ProbeResult) Input {
	i.Probes = map[string]ProbeResult{id: r}
	return i
}

func backoffs(i Input, b Backoff) Input {
	i.Backoffs = map[string]Backoff{"hello": b}
	return i
}

// probeKill is the kill message of the input's ended attempt, if any.
func probeKill(i Input) string {
	for _, c := range i.Containers {
		if !c.Running && c.ProbeKill != "" {
			return c.ProbeKill
		}
	}
	return ""
}

func in(p *corev1.Pod, cs ...Container) Input {
	return Input{Now: t0, Pod: p, RuntimeName: "process", HostIP: "127.0.0.1", PodIP: "127.1.2.3", Containers: cs}
}

func cond(s *corev1.PodStatus, t corev1.PodConditionType) corev1.ConditionStatus {
	for _, c := range s.Conditions {
		if c.Type == t {
			return c.Status
		}
	}
	return ""
}

func TestDecide(t *testing.T) {
	type want struct {
		start   []Start
		stop    []Stop
		remove  []string
		noWrite bool
		change  string
		phase   corev1.PodPhase
		ready   corev1.ConditionStatus
		waiting string // reason of the container's waiting state
		term    int32  // exit code of terminated state, -1 none
		last    string // reason of lastState.terminated
		restart int32
		requeue time.Duration
		delete  bool
		backoff time.Duration // the restart delay newly chosen for "hello"
		message string        // the waiting message, when set
		started *bool         // running container's started, when set
	}
	cases := []struct {
		name string
		in   Input
		want want
	}{
		{"new pod starts its container", in(pod()),
			want{start: []Start{{"hello", 0}}, change: "waiting", phase: corev1.PodPending, ready: corev1.ConditionFalse, waiting: "ContainerCreating", term: -1}},
		{"running without readiness probe is ready", in(pod(), running("c1", 0)),
			want{change: "ready", phase: corev1.PodRunning, ready: corev1.ConditionTrue, term: -1}},
		{"running with readiness probe not yet passed", in(pod(withProbe), running("c1", 0)),
			want{change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, term: -1}},
		{"readiness passed", func() Input {
			i := in(pod(withProbe), running("c1", 0))
			i.Probes = map[string]ProbeResult{"c1": {Ready: true}}
			return i
		}(), want{change: "ready", phase: corev1.PodRunning, ready: corev1.ConditionTrue, term: -1}},
		{"crash: back-off 10s not over", in(pod(), exited("c1", 0, 1, 4*time.Second)),
			want{change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, waiting: "CrashLoopBackOff", term: -1, last: "Error", requeue: 6 * time.Second,
				backoff: 10 * time.Second, message: "back-off 10s restarting failed container=hello pod=web_default(uid-1)"}},
		{"crash: back-off over restarts with restartCount+1", backoffs(in(pod(), exited("c1", 0, 1, 11*time.Second)), Backoff{0, 10 * time.Second}),
			want{start: []Start{{"hello", 1}}, change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, waiting: "ContainerCreating", term: -1, last: "Error"}},
		{"crash: back-off doubles the last one (40s → 80s)", backoffs(in(pod(), exited("c4", 3, 1, 79*time.Second), exited("c3", 2, 1, 3*time.Minute)), Backoff{2, 40 * time.Second}),
			want{change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, waiting: "CrashLoopBackOff", term: -1, last: "Error", restart: 3, requeue: time.Second,
				backoff: 80 * time.Second, message: "back-off 1m20s restarting failed container=hello pod=web_default(uid-1)"}},
		{"crash: back-off chosen for this attempt is kept", backoffs(in(pod(), exited("c4", 3, 1, 79*time.Second)), Backoff{3, 80 * time.Second}),
			want{change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, waiting: "CrashLoopBackOff", term: -1, last: "Error", restart: 3, requeue: time.Second}},
		{"crash: back-off capped at 5m", backoffs(in(pod(), exited("c9", 9, 1, 299*time.Second)), Backoff{8, 5 * time.Minute}),
			want{change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, waiting: "CrashLoopBackOff", term: -1, last: "Error", restart: 9, requeue: time.Second,
				backoff: 5 * time.Minute, message: "back-off 5m0s restarting failed container=hello pod=web_default(uid-1)"}},
		{"crash: back-off resets after 10 minutes of running", backoffs(in(pod(), ranFor(exited("c9", 9, 1, 4*time.Second), 10*time.Minute)), Backoff{8, 5 * time.Minute}),
			want{change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, waiting: "CrashLoopBackOff", term: -1, last: "Error", restart: 9, requeue: 6 * time.Second,
				backoff: 10 * time.Second}},
		{"Always: a completed container restarts too", in(pod(), exited("c1", 0, 0, time.Hour)),
			want{start: []Start{{"hello", 1}}, change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, waiting: "ContainerCreating", term: -1, last: "Completed", backoff: 10 * time.Second}},
		{"OOMKilled shows in lastState", in(pod(), oom(exited("c1", 0, 137, 2*time.Second))),
			want{change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, waiting: "CrashLoopBackOff", term: -1, last: "OOMKilled", requeue: 8 * time.Second, backoff: 10 * time.Second}},
		{"Never: failure is final", in(pod(policy(corev1.RestartPolicyNever)), exited("c1", 0, 2, time.Hour)),
			want{change: "failed", phase: corev1.PodFailed, ready: corev1.ConditionFalse, term: 2}},
		{"Never: success is final", in(pod(policy(corev1.RestartPolicyNever)), exited("c1", 0, 0, time.Hour)),
			want{change: "succeeded", phase: corev1.PodSucceeded, ready: corev1.ConditionFalse, term: 0}},
		{"OnFailure: success is final", in(pod(policy(corev1.RestartPolicyOnFailure)), exited("c1", 0, 0, time.Hour)),
			want{change: "succeeded", phase: corev1.PodSucceeded, ready: corev1.ConditionFalse, term: 0}},
		{"OnFailure: failure restarts", in(pod(policy(corev1.RestartPolicyOnFailure)), exited("c1", 0, 3, time.Hour)),
			want{start: []Start{{"hello", 1}}, change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, waiting: "ContainerCreating", term: -1, last: "Error", backoff: 10 * time.Second}},
		{"OnFailure: a probe kill restarts even after exit 0", in(pod(policy(corev1.RestartPolicyOnFailure)), killed(exited("c1", 0, 0, time.Second), "Container hello failed liveness probe, will be restarted")),
			want{change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, waiting: "CrashLoopBackOff", term: -1, last: "Completed", requeue: 9 * time.Second, backoff: 10 * time.Second}},
		{"Never: a probe kill is final", in(pod(policy(corev1.RestartPolicyNever)), killed(exited("c1", 0, 137, time.Second), "Container hello failed liveness probe")),
			want{change: "failed", phase: corev1.PodFailed, ready: corev1.ConditionFalse, term: 137}},
		{"terminating: stop within what is left of grace", in(pod(terminating(10*time.Second, 30)), running("c1", 0)),
			want{stop: []Stop{{ID: "c1", Container: "hello", Grace: 20 * time.Second, Reason: "pod terminating"}}, change: "ready", phase: corev1.PodRunning, ready: corev1.ConditionTrue, term: -1}},
		{"terminating: grace run out while the agent was away: still 2s", in(pod(terminating(time.Hour, 30)), running("c1", 0)),
			want{stop: []Stop{{ID: "c1", Container: "hello", Grace: MinGrace, Reason: "pod terminating"}}, change: "ready", phase: corev1.PodRunning, ready: corev1.ConditionTrue, term: -1}},
		{"terminating: default grace 30s", in(pod(terminating(5*time.Second, 30), func(p *corev1.Pod) { p.DeletionGracePeriodSeconds = nil }), running("c1", 0)),
			want{stop: []Stop{{ID: "c1", Container: "hello", Grace: 25 * time.Second, Reason: "pod terminating"}}, change: "ready", phase: corev1.PodRunning, ready: corev1.ConditionTrue, term: -1}},
		{"terminating: a crashed container is not restarted", in(pod(terminating(time.Second, 30), func(p *corev1.Pod) { p.Status.Phase = corev1.PodRunning }), exited("c1", 0, 1, 20*time.Second)),
			want{delete: true, change: "deleted", phase: corev1.PodFailed, ready: corev1.ConditionFalse, term: 1}},
		{"terminating with finalizers: final status, no delete", in(pod(terminating(10*time.Second, 30), func(p *corev1.Pod) { p.Finalizers = []string{"example.com/hold"} }), exited("c1", 0, 0, time.Second)),
			want{change: "succeeded", phase: corev1.PodSucceeded, ready: corev1.ConditionFalse, term: 0}},
		{"terminating: a stop under way is not repeated", func() Input {
			c := running("c1", 0)
			c.Stopping = true
			return in(pod(terminating(10*time.Second, 30)), c)
		}(), want{change: "ready", phase: corev1.PodRunning, ready: corev1.ConditionTrue, term: -1}},
		{"terminating: all stopped → deleted", in(pod(terminating(10*time.Second, 30)), exited("c1", 0, 0, time.Second)),
			want{delete: true, change: "deleted", phase: corev1.PodSucceeded, ready: corev1.ConditionFalse, term: 0}},
		{"terminating: never started → deleted", in(pod(terminating(time.Second, 30))),
			want{delete: true, change: "deleted", phase: corev1.PodFailed, ready: corev1.ConditionFalse, waiting: "ContainerCreating", term: -1}},
		{"image missing: waits with the runtime's reason", func() Input {
			i := in(pod())
			i.Failures = map[string]StartFailure{"hello": {Reason: "ErrImageNeverPull", Message: "image not present", At: t0.Add(-3 * time.Second)}}
			return i
		}(), want{change: "waiting", phase: corev1.PodPending, ready: corev1.ConditionFalse, waiting: "ErrImageNeverPull", term: -1, requeue: 7 * time.Second}},
		{"image missing: retried after StartRetry", func() Input {
			i := in(pod())
			i.Failures = map[string]StartFailure{"hello": {Reason: "ErrImageNeverPull", At: t0.Add(-StartRetry)}}
			return i
		}(), want{start: []Start{{"hello", 0}}, change: "waiting", phase: corev1.PodPending, ready: corev1.ConditionFalse, waiting: "ContainerCreating", term: -1}},
		{"image pull failed: ErrImagePull just after", func() Input {
			i := in(pod())
			i.Failures = map[string]StartFailure{"hello": {Reason: "ErrImagePull", Message: "Failed to pull image", At: t0.Add(-2 * time.Second), Count: 1}}
			return i
		}(), want{change: "waiting", phase: corev1.PodPending, ready: corev1.ConditionFalse, waiting: "ErrImagePull", message: "Failed to pull image",
			term: -1, requeue: 3 * time.Second}},
		{"image pull failed: then ImagePullBackOff until the back-off ends", func() Input {
			i := in(pod())
			i.Failures = map[string]StartFailure{"hello": {Reason: "ErrImagePull", At: t0.Add(-6 * time.Second), Count: 1}}
			return i
		}(), want{change: "waiting", phase: corev1.PodPending, ready: corev1.ConditionFalse, waiting: "ImagePullBackOff",
			message: `Back-off pulling image "jetplane/hello:1"`, term: -1, requeue: 4 * time.Second}},
		{"image pull failed three times: the back-off has doubled twice", func() Input {
			i := in(pod())
			i.Failures = map[string]StartFailure{"hello": {Reason: "ErrImagePull", At: t0.Add(-30 * time.Second), Count: 3}}
			return i
		}(), want{change: "waiting", phase: corev1.PodPending, ready: corev1.ConditionFalse, waiting: "ImagePullBackOff", term: -1, requeue: 10 * time.Second}},
		{"image pull failed for another image: the new one is tried at once", func() Input {
			i := in(pod())
			i.Failures = map[string]StartFailure{"hello": {Reason: "ErrImagePull", At: t0.Add(-6 * time.Second), Count: 4, Image: "jetplane/hello:9"}}
			return i
		}(), want{start: []Start{{"hello", 0}}, change: "waiting", phase: corev1.PodPending, ready: corev1.ConditionFalse, waiting: "ContainerCreating", term: -1}},
		{"image pull back-off over: pulled again", func() Input {
			i := in(pod())
			i.Failures = map[string]StartFailure{"hello": {Reason: "ErrImagePull", At: t0.Add(-40 * time.Second), Count: 3}}
			return i
		}(), want{start: []Start{{"hello", 0}}, change: "waiting", phase: corev1.PodPending, ready: corev1.ConditionFalse, waiting: "ContainerCreating", term: -1}},
		{"image pull failed many times: at most BackoffMax", func() Input {
			i := in(pod())
			i.Failures = map[string]StartFailure{"hello": {Reason: "ErrImagePull", At: t0.Add(-time.Minute), Count: 30}}
			return i
		}(), want{change: "waiting", phase: corev1.PodPending, ready: corev1.ConditionFalse, waiting: "ImagePullBackOff", term: -1, requeue: 4 * time.Minute}},
		{"liveness failed: stop with the pod's grace", probes(in(pod(withLiveness), running("c1", 0)), "c1", ProbeResult{LivenessFailed: true}),
			want{stop: []Stop{{ID: "c1", Container: "hello", Grace: 30 * time.Second, Reason: "liveness probe failed", ProbeKill: "Container hello failed liveness probe, will be restarted"}},
				change: "ready", phase: corev1.PodRunning, ready: corev1.ConditionTrue, term: -1}},
		{"liveness failed: the probe's own grace", probes(in(pod(withLiveness, func(p *corev1.Pod) { p.Spec.Containers[0].LivenessProbe.TerminationGracePeriodSeconds = ptr(int64(4)) }), running("c1", 0)), "c1", ProbeResult{LivenessFailed: true}),
			want{stop: []Stop{{ID: "c1", Container: "hello", Grace: 4 * time.Second, Reason: "liveness probe failed", ProbeKill: "Container hello failed liveness probe, will be restarted"}},
				change: "ready", phase: corev1.PodRunning, ready: corev1.ConditionTrue, term: -1}},
		{"liveness failed under Never: not restarted", probes(in(pod(withLiveness, policy(corev1.RestartPolicyNever)), running("c1", 0)), "c1", ProbeResult{LivenessFailed: true}),
			want{stop: []Stop{{ID: "c1", Container: "hello", Grace: 30 * time.Second, Reason: "liveness probe failed", ProbeKill: "Container hello failed liveness probe"}},
				change: "ready", phase: corev1.PodRunning, ready: corev1.ConditionTrue, term: -1}},
		{"liveness failed: a stop under way is not repeated", probes(in(pod(withLiveness), stopping(running("c1", 0))), "c1", ProbeResult{LivenessFailed: true}),
			want{change: "ready", phase: corev1.PodRunning, ready: corev1.ConditionTrue, term: -1}},
		{"startup not passed: not started, not ready, readiness ignored", probes(in(pod(withStartup, withProbe), running("c1", 0)), "c1", ProbeResult{Ready: true}),
			want{change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, term: -1, started: ptr(false)}},
		{"startup passed without readiness probe: ready", probes(in(pod(withStartup), running("c1", 0)), "c1", ProbeResult{Started: true}),
			want{change: "ready", phase: corev1.PodRunning, ready: corev1.ConditionTrue, term: -1, started: ptr(true)}},
		{"startup passed, readiness not yet", probes(in(pod(withStartup, withProbe), running("c1", 0)), "c1", ProbeResult{Started: true}),
			want{change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, term: -1, started: ptr(true)}},
		{"startup failed: stop and restart", probes(in(pod(withStartup), running("c1", 0)), "c1", ProbeResult{StartupFailed: true}),
			want{stop: []Stop{{ID: "c1", Container: "hello", Grace: 30 * time.Second, Reason: "startup probe failed", ProbeKill: "Container hello failed startup probe, will be restarted"}},
				change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, term: -1, started: ptr(false)}},
		{"startup gates liveness: a liveness failure before start is ignored", probes(in(pod(withStartup, withLiveness), running("c1", 0)), "c1", ProbeResult{LivenessFailed: true}),
			want{change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, term: -1, started: ptr(false)}},
		{"probe-killed attempt: lastState carries the kubelet's message", in(pod(), killed(exited("c1", 0, 137, time.Second), "Container hello failed liveness probe, will be restarted")),
			want{change: "running", phase: corev1.PodRunning, ready: corev1.ConditionFalse, waiting: "CrashLoopBackOff", term: -1, last: "Error", requeue: 9 * time.Second, backoff: 10 * time.Second}},
		{"agent restarted: a lost running container starts again", in(pod(func(p *corev1.Pod) {
			p.Status.Phase = corev1.PodRunning
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "hello", ContainerID: "process://old", RestartCount: 2,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(t0.Add(-time.Hour))}}}}
		})), want{start: []Start{{"hello", 3}}, change: "waiting", phase: corev1.PodRunning, ready: corev1.ConditionFalse, waiting: "ContainerCreating", term: -1, last: "ContainerStatusUnknown", restart: 2}},
		{"old attempts are removed, the previous one kept", in(pod(), running("c3", 2), exited("c2", 1, 1, time.Minute), exited("c1", 0, 1, time.Hour)),
			want{remove: []string{"c1"}, change: "ready", phase: corev1.PodRunning, ready: corev1.ConditionTrue, term: -1, last: "Error", restart: 2}},
		{"finished pod never runs again", in(pod(func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded })),
			want{noWrite: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(c.in)
			if !reflect.DeepEqual(d.Start, c.want.start) || !reflect.DeepEqual(d.Stop, c.want.stop) || !reflect.DeepEqual(d.Remove, c.want.remove) {
				t.Fatalf("actions start %v stop %v remove %v, want %v %v %v", d.Start, d.Stop, d.Remove, c.want.start, c.want.stop, c.want.remove)
			}
			if d.Delete != c.want.delete || d.Requeue != c.want.requeue {
				t.Fatalf("delete %v requeue %v, want %v %v", d.Delete, d.Requeue, c.want.delete, c.want.requeue)
			}
			if c.want.noWrite {
				if d.Status != nil {
					t.Fatalf("status written: %+v", d.Status)
				}
				return
			}
			if d.Status == nil {
				t.Fatal("no status")
			}
			s := d.Status
			if d.Change != c.want.change || s.Phase != c.want.phase || cond(s, corev1.PodReady) != c.want.ready || cond(s, corev1.ContainersReady) != c.want.ready {
				t.Fatalf("change %q phase %s ready %s, want %q %s %s", d.Change, s.Phase, cond(s, corev1.PodReady), c.want.change, c.want.phase, c.want.ready)
			}
			if cond(s, corev1.PodScheduled) != corev1.ConditionTrue || cond(s, corev1.PodInitialized) != corev1.ConditionTrue {
				t.Fatalf("conditions %+v", s.Conditions)
			}
			if s.PodIP != "127.1.2.3" || s.HostIP != "127.0.0.1" || len(s.PodIPs) != 1 || s.StartTime == nil {
				t.Fatalf("addresses %+v", s)
			}
			cs := s.ContainerStatuses[0]
			if cs.Name != "hello" || cs.Image != "jetplane/hello:1" || cs.RestartCount != c.want.restart {
				t.Fatalf("container status %+v", cs)
			}
			if got := waitingReason(cs); got != c.want.waiting {
				t.Fatalf("waiting %q, want %q", got, c.want.waiting)
			}
			if term := cs.State.Terminated; (term == nil) != (c.want.term < 0) || (term != nil && term.ExitCode != c.want.term) {
				t.Fatalf("terminated %+v, want exit %d", term, c.want.term)
			}
			if last := cs.LastTerminationState.Terminated; (last == nil && c.want.last != "") || (last != nil && last.Reason != c.want.last) {
				t.Fatalf("lastState %+v, want %q", last, c.want.last)
			}
			if cs.State.Running != nil && (cs.ContainerID == "" || cs.ImageID == "" || cs.Started == nil) {
				t.Fatalf("running container status %+v", cs)
			}
			if c.want.started != nil && *cs.Started != *c.want.started {
				t.Fatalf("started %v, want %v", *cs.Started, *c.want.started)
			}
			if cs.State.Running != nil && c.want.started == nil && !*cs.Started {
				t.Fatalf("running container without startup probe not started: %+v", cs)
			}
			if got := d.Backoffs["hello"].Delay; got != c.want.backoff {
				t.Fatalf("back-off recorded %v, want %v", got, c.want.backoff)
			}
			if c.want.message != "" && cs.State.Waiting.Message != c.want.message {
				t.Fatalf("waiting message %q, want %q", cs.State.Waiting.Message, c.want.message)
			}
			if k := probeKill(c.in); k != "" {
				ended := cs.LastTerminationState.Terminated
				if ended == nil {
					ended = cs.State.Terminated
				}
				if ended.Message != k {
					t.Fatalf("terminated message %q, want %q", ended.Message, k)
				}
			}
		})
	}
}

func waitingReason(cs corev1.ContainerStatus) string {
	if cs.State.Waiting == nil {
		return ""
	}
	return cs.State.Waiting.Reason
}

// stored round-trips a status through JSON, as the log stores it.
func stored(t *testing.T, p *corev1.Pod, s *corev1.PodStatus) *corev1.Pod {
	t.Helper()
	p = p.DeepCopy()
	p.Status = *s
	b, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var out corev1.Pod
	if err := json.Unmarshal(b, &out); err != nil {
		t.Fatal(err)
	}
	return &out
}

func TestDecideIsQuietOnceReported(t *testing.T) {
	cases := []struct {
		name string
		in   Input
	}{
		{"running and ready", func() Input {
			i := in(pod(withProbe), running("c1", 0))
			i.Probes = map[string]ProbeResult{"c1": {Ready: true}}
			return i
		}()},
		{"crash loop back-off", in(pod(), exited("c2", 1, 1, 2*time.Second), exited("c1", 0, 1, time.Minute))},
		{"image missing", func() Input {
			i := in(pod())
			i.Failures = map[string]StartFailure{"hello": {Reason: "ErrImageNeverPull", Message: "m", At: t0}}
			return i
		}()},
		{"failed for good", in(pod(policy(corev1.RestartPolicyNever)), exited("c1", 0, 1, time.Second))},
		{"waiting for the startup probe", in(pod(withStartup, withProbe), running("c1", 0))},
		{"ended, held by a finalizer", in(pod(terminating(10*time.Second, 30), func(p *corev1.Pod) { p.Finalizers = []string{"example.com/hold"} }), exited("c1", 0, 0, time.Second))},
		{"restarted after the agent came back", in(pod(func(p *corev1.Pod) {
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "hello", ContainerID: "process://old", RestartCount: 2,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(t0.Add(-time.Hour))}}}}
		}), running("c9", 3))},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			first := Decide(c.in)
			if first.Status == nil {
				t.Fatal("first decision reports no status")
			}
			next := c.in
			next.Pod = stored(t, c.in.Pod, first.Status)
			next.Backoffs = first.Backoffs
			for _, later := range []time.Duration{0, 400 * time.Millisecond, 900 * time.Millisecond} {
				next.Now = t0.Add(later)
				if d := Decide(next); d.Status != nil {
					a, _ := json.Marshal(next.Pod.Status)
					b, _ := json.Marshal(d.Status)
					t.Fatalf("rewrites an unchanged status after %v:\n stored %s\n new    %s", later, a, b)
				}
			}
		})
	}
}

func TestPhaseOf(t *testing.T) {
	run := corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}
	ok := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 0}}
	bad := corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ExitCode: 1}}
	wait := corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}
	cs := func(states ...corev1.ContainerState) []corev1.ContainerStatus {
		var out []corev1.ContainerStatus
		for _, s := range states {
			out = append(out, corev1.ContainerStatus{State: s})
		}
		return out
	}
	restarting := []corev1.ContainerStatus{{State: wait, LastTerminationState: bad}}
	cases := []struct {
		policy corev1.RestartPolicy
		cs     []corev1.ContainerStatus
		want   corev1.PodPhase
	}{
		{corev1.RestartPolicyAlways, nil, corev1.PodPending},
		{corev1.RestartPolicyAlways, cs(wait), corev1.PodPending},
		{corev1.RestartPolicyAlways, cs(run, wait), corev1.PodPending},
		{corev1.RestartPolicyAlways, cs(run, run), corev1.PodRunning},
		{corev1.RestartPolicyAlways, restarting, corev1.PodRunning},
		{corev1.RestartPolicyAlways, cs(ok), corev1.PodRunning},
		{corev1.RestartPolicyNever, cs(run, bad), corev1.PodRunning},
		{corev1.RestartPolicyNever, cs(ok, bad), corev1.PodFailed},
		{corev1.RestartPolicyNever, cs(ok, ok), corev1.PodSucceeded},
		{corev1.RestartPolicyOnFailure, cs(ok), corev1.PodSucceeded},
		{corev1.RestartPolicyOnFailure, restarting, corev1.PodRunning},
	}
	for i, c := range cases {
		if got := phaseOf(c.policy, c.cs); got != c.want {
			t.Errorf("case %d (%s): %s, want %s", i, c.policy, got, c.want)
		}
	}
}

func TestConditionTransitionTimeKeptWhileUnchanged(t *testing.T) {
	i := in(pod(), running("c1", 0))
	first := Decide(i)
	i.Pod = stored(t, i.Pod, first.Status)
	i.Now = t0.Add(time.Hour)
	i.Containers = []Container{exited("c1", 0, 1, time.Second)}
	d := Decide(i)
	for _, c := range d.Status.Conditions {
		want := t0.Truncate(time.Second)
		switch c.Type {
		case corev1.PodScheduled:
			want = t0.Add(-time.Minute).Truncate(time.Second)
		case corev1.PodReady, corev1.ContainersReady:
			want = t0.Add(time.Hour).Truncate(time.Second) // went False
		}
		if !c.LastTransitionTime.Time.Equal(want) {
			t.Errorf("%s transition %v, want %v", c.Type, c.LastTransitionTime, want)
		}
	}
	if d.Change != "unready" {
		t.Fatalf("change %q, want unready", d.Change)
	}
}
