package podsync

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestRestarts(t *testing.T) {
	ok, bad := Container{ExitCode: 0}, Container{ExitCode: 2}
	probeKilled := Container{ExitCode: 0, ProbeKill: "Container hello failed liveness probe, will be restarted"}
	cases := []struct {
		policy corev1.RestartPolicy
		ended  Container
		want   bool
	}{
		{corev1.RestartPolicyAlways, ok, true},
		{corev1.RestartPolicyAlways, bad, true},
		{"", ok, true}, // unset is Always
		{corev1.RestartPolicyOnFailure, ok, false},
		{corev1.RestartPolicyOnFailure, bad, true},
		{corev1.RestartPolicyOnFailure, probeKilled, true},
		{corev1.RestartPolicyNever, ok, false},
		{corev1.RestartPolicyNever, bad, false},
		{corev1.RestartPolicyNever, probeKilled, false},
	}
	for i, c := range cases {
		if got := restarts(c.policy, c.ended); got != c.want {
			t.Errorf("case %d (%s, exit %d, kill %q): %v, want %v", i, c.policy, c.ended.ExitCode, c.ended.ProbeKill, got, c.want)
		}
	}
}

func TestNextBackoff(t *testing.T) {
	short := Container{StartedAt: t0, FinishedAt: t0.Add(3 * time.Second)}
	long := Container{StartedAt: t0, FinishedAt: t0.Add(BackoffReset)}
	cases := []struct {
		name  string
		last  *Backoff
		ended Container
		want  time.Duration
	}{
		{"first crash", nil, short, 10 * time.Second},
		{"doubles", &Backoff{Delay: 10 * time.Second}, short, 20 * time.Second},
		{"doubles again", &Backoff{Delay: 2*time.Minute + 40*time.Second}, short, 5 * time.Minute},
		{"capped at 5m", &Backoff{Delay: 5 * time.Minute}, short, 5 * time.Minute},
		{"reset after 10 minutes of running", &Backoff{Delay: 5 * time.Minute}, long, 10 * time.Second},
	}
	for _, c := range cases {
		if got := nextBackoff(c.last, c.ended); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestBackoffRemembered(t *testing.T) {
	ended := Container{Attempt: 3, StartedAt: t0, FinishedAt: t0.Add(time.Second)}
	cases := []struct {
		name     string
		known    map[string]Backoff
		want     time.Duration
		recorded bool
	}{
		{"nothing known: initial", nil, 10 * time.Second, true},
		{"chosen for this attempt: kept", map[string]Backoff{"hello": {3, 40 * time.Second}}, 40 * time.Second, false},
		{"chosen for the attempt before: doubled", map[string]Backoff{"hello": {2, 40 * time.Second}}, 80 * time.Second, true},
		{"from a later attempt (stale): initial", map[string]Backoff{"hello": {7, 40 * time.Second}}, 10 * time.Second, true},
	}
	for _, c := range cases {
		var d Decision
		got := d.backoff(Input{Backoffs: c.known}, "hello", ended)
		b, recorded := d.Backoffs["hello"]
		if got != c.want || recorded != c.recorded || (recorded && b != Backoff{3, c.want}) {
			t.Errorf("%s: %v recorded %v %+v, want %v %v", c.name, got, recorded, b, c.want, c.recorded)
		}
	}
}

func TestTerminationGrace(t *testing.T) {
	at := func(ago time.Duration) *metav1.Time { ts := metav1.NewTime(t0.Add(-ago)); return &ts }
	cases := []struct {
		name  string
		ago   time.Duration
		grace *int64
		want  time.Duration
	}{
		{"just asked, 30s", 0, ptr(int64(30)), 30 * time.Second},
		{"what is left", 10 * time.Second, ptr(int64(30)), 20 * time.Second},
		{"unset is 30s", 0, nil, 30 * time.Second},
		{"run out: the minimum", time.Minute, ptr(int64(30)), MinGrace},
		{"zero: the minimum", 0, ptr(int64(0)), MinGrace},
	}
	for _, c := range cases {
		p := pod()
		p.DeletionTimestamp, p.DeletionGracePeriodSeconds = at(c.ago), c.grace
		if got := terminationGrace(p, t0); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestProbeGrace(t *testing.T) {
	cases := []struct {
		name       string
		pod, probe *int64
		want       time.Duration
	}{
		{"default", nil, nil, 30 * time.Second},
		{"the pod's", ptr(int64(5)), nil, 5 * time.Second},
		{"the probe's wins", ptr(int64(5)), ptr(int64(1)), time.Second},
	}
	for _, c := range cases {
		p := pod()
		p.Spec.TerminationGracePeriodSeconds = c.pod
		if got := probeGrace(p, &corev1.Probe{TerminationGracePeriodSeconds: c.probe}); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}
