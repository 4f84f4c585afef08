package podsync

import (
	"reflect"
	"slices"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// TestIdleHoldsLater: once a pod's status is reported, a decision to do
// nothing stays one however much later the same input is decided again
// (the node agent skips the decision for an unchanged input).
func TestIdleHoldsLater(t *testing.T) {
	cases := []struct {
		name string
		in   Input
		idle bool
	}{
		{"running", in(pod(), running("c1", 0)), true},
		{"running and ready", probes(in(pod(withProbe), running("c1", 0)), "c1", ProbeResult{Ready: true}), true},
		{"running, not ready", in(pod(withProbe), running("c1", 0)), true},
		{"waiting for the startup probe", in(pod(withStartup, withProbe), running("c1", 0)), true},
		{"running long after a crash", backoffs(in(pod(), startedAgo(running("c2", 1), 20*time.Minute), exited("c1", 0, 1, 20*time.Minute)),
			Backoff{Attempt: 0, Delay: BackoffInitial}), true},
		{"failed for good", in(pod(policy(corev1.RestartPolicyNever)), exited("c1", 0, 1, time.Second)), true},
		{"succeeded", in(pod(policy(corev1.RestartPolicyOnFailure)), exited("c1", 0, 0, time.Second)), true},
		{"crash loop back-off", in(pod(), exited("c2", 1, 1, 2*time.Second), exited("c1", 0, 1, time.Minute)), false},
		{"image missing", func() Input {
			i := in(pod())
			i.Failures = map[string]StartFailure{"hello": {Reason: "ErrImageNeverPull", Message: "m", At: t0}}
			return i
		}(), false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			next := c.in
			if first := Decide(c.in); first.Status != nil {
				next.Pod = stored(t, c.in.Pod, first.Status)
			}
			if b := Decide(next).Backoffs; b != nil {
				next.Backoffs = b
			}
			now := Decide(next)
			for _, id := range now.Remove { // as the agent removes them
				next.Containers = slices.DeleteFunc(slices.Clone(next.Containers), func(c Container) bool { return c.ID == id })
			}
			if now = Decide(next); now.Idle() != c.idle {
				t.Fatalf("idle %v, want %v: %+v", now.Idle(), c.idle, now)
			}
			if !c.idle {
				return
			}
			for _, later := range []time.Duration{time.Second, time.Minute, BackoffReset + time.Second, 24 * time.Hour} {
				next.Now = t0.Add(later)
				if d := Decide(next); !reflect.DeepEqual(d, now) {
					t.Fatalf("after %v: %+v, want %+v", later, d, now)
				}
			}
		})
	}
}

func startedAgo(c Container, d time.Duration) Container {
	c.StartedAt = t0.Add(-d)
	return c
}
