package podsync

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestTimingOf(t *testing.T) {
	cases := []struct {
		name  string
		kind  ProbeKind
		probe corev1.Probe
		want  ProbeTiming
	}{
		{"defaults", Readiness, corev1.Probe{}, ProbeTiming{0, 10 * time.Second, time.Second, 1, 3}},
		{"all set", Readiness, corev1.Probe{InitialDelaySeconds: 5, PeriodSeconds: 2, TimeoutSeconds: 3, SuccessThreshold: 2, FailureThreshold: 4},
			ProbeTiming{5 * time.Second, 2 * time.Second, 3 * time.Second, 2, 4}},
		{"liveness passes on one success", Liveness, corev1.Probe{SuccessThreshold: 3, FailureThreshold: 1}, ProbeTiming{0, 10 * time.Second, time.Second, 1, 1}},
		{"startup passes on one success", Startup, corev1.Probe{SuccessThreshold: 3, FailureThreshold: 30, PeriodSeconds: 1},
			ProbeTiming{0, time.Second, time.Second, 1, 30}},
		{"negative values are defaults", Readiness, corev1.Probe{InitialDelaySeconds: -1, PeriodSeconds: -1, TimeoutSeconds: -1},
			ProbeTiming{0, 10 * time.Second, time.Second, 1, 3}},
	}
	for _, c := range cases {
		if got := TimingOf(c.kind, &c.probe); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestFirstProbeIn(t *testing.T) {
	timing := ProbeTiming{InitialDelay: 5 * time.Second}
	cases := []struct {
		name      string
		startedAt time.Time
		want      time.Duration
	}{
		{"just started: the whole delay", t0, 5 * time.Second},
		{"started 2s ago: the rest", t0.Add(-2 * time.Second), 3 * time.Second},
		{"adopted, started long ago: at once", t0.Add(-time.Hour), 0},
		{"start unknown: the whole delay", time.Time{}, 5 * time.Second},
	}
	for _, c := range cases {
		if got := FirstProbeIn(timing, c.startedAt, t0); got != c.want {
			t.Errorf("%s: %v, want %v", c.name, got, c.want)
		}
	}
}

func TestProbeCounter(t *testing.T) {
	cases := []struct {
		name    string
		timing  ProbeTiming
		results []bool
		want    []Verdict
	}{
		{"one success passes", ProbeTiming{SuccessThreshold: 1, FailureThreshold: 3}, []bool{true}, []Verdict{Passed}},
		{"three failures fail", ProbeTiming{SuccessThreshold: 1, FailureThreshold: 3}, []bool{false, false, false, false},
			[]Verdict{Undecided, Undecided, Failed, Failed}},
		{"a success resets the failures", ProbeTiming{SuccessThreshold: 1, FailureThreshold: 2}, []bool{false, true, false, false},
			[]Verdict{Undecided, Passed, Undecided, Failed}},
		{"successThreshold 2 needs two in a row", ProbeTiming{SuccessThreshold: 2, FailureThreshold: 1}, []bool{true, false, true, true},
			[]Verdict{Undecided, Failed, Undecided, Passed}},
	}
	for _, c := range cases {
		var counter ProbeCounter
		for i, ok := range c.results {
			var v Verdict
			counter, v = counter.Observe(ok, c.timing)
			if v != c.want[i] {
				t.Errorf("%s: result %d: verdict %v, want %v", c.name, i, v, c.want[i])
			}
		}
	}
}

func TestProbeResultWith(t *testing.T) {
	cases := []struct {
		name    string
		from    ProbeResult
		kind    ProbeKind
		verdict Verdict
		want    ProbeResult
	}{
		{"undecided keeps", ProbeResult{Ready: true}, Readiness, Undecided, ProbeResult{Ready: true}},
		{"readiness passed", ProbeResult{}, Readiness, Passed, ProbeResult{Ready: true}},
		{"readiness failed", ProbeResult{Started: true, Ready: true}, Readiness, Failed, ProbeResult{Started: true}},
		{"liveness failed", ProbeResult{Started: true, Ready: true}, Liveness, Failed, ProbeResult{Started: true, Ready: true, LivenessFailed: true}},
		{"liveness passed changes nothing", ProbeResult{Started: true}, Liveness, Passed, ProbeResult{Started: true}},
		{"startup passed", ProbeResult{}, Startup, Passed, ProbeResult{Started: true}},
		{"startup failed", ProbeResult{}, Startup, Failed, ProbeResult{StartupFailed: true}},
	}
	for _, c := range cases {
		if got := c.from.With(c.kind, c.verdict); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}

func TestInitialProbes(t *testing.T) {
	runningStatus := func(id string, started, ready bool) *corev1.ContainerStatus {
		return &corev1.ContainerStatus{Name: "hello", ContainerID: id, Started: &started, Ready: ready,
			State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{StartedAt: metav1.NewTime(t0)}}}
	}
	cases := []struct {
		name   string
		stored *corev1.ContainerStatus
		id     string
		want   ProbeResult
	}{
		{"new pod", nil, "process://c1", ProbeResult{}},
		{"new attempt: the log reports the previous one", runningStatus("process://c0", true, true), "process://c1", ProbeResult{}},
		{"adopted ready container stays ready", runningStatus("process://c1", true, true), "process://c1", ProbeResult{Started: true, Ready: true}},
		{"adopted unready container", runningStatus("process://c1", true, false), "process://c1", ProbeResult{Started: true}},
		{"adopted before its startup probe passed", runningStatus("process://c1", false, false), "process://c1", ProbeResult{}},
		{"the log says it ended", &corev1.ContainerStatus{ContainerID: "process://c1", Ready: true,
			State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{}}}, "process://c1", ProbeResult{}},
	}
	for _, c := range cases {
		if got := InitialProbes(c.stored, c.id); got != c.want {
			t.Errorf("%s: %+v, want %+v", c.name, got, c.want)
		}
	}
}
