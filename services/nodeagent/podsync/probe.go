package podsync

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// ProbeKind names a probe as the kubelet's messages do.
type ProbeKind string

const (
	Startup   ProbeKind = "startup"
	Liveness  ProbeKind = "liveness"
	Readiness ProbeKind = "readiness"
)

// Probe defaults, as Kubernetes documents them.
const (
	DefaultProbePeriod      = 10 * time.Second
	DefaultProbeTimeout     = time.Second
	DefaultFailureThreshold = 3
)

// ProbeTiming is a probe's schedule and thresholds with defaults applied.
type ProbeTiming struct {
	InitialDelay     time.Duration // from the container's start
	Period           time.Duration
	Timeout          time.Duration
	SuccessThreshold int // consecutive successes that pass
	FailureThreshold int // consecutive failures that fail
}

// TimingOf applies Kubernetes' defaults (period 10s, timeout 1s, success 1,
// failure 3). Liveness and startup probes pass on one success whatever
// successThreshold says (the API server allows only 1 for them).
func TimingOf(kind ProbeKind, p *corev1.Probe) ProbeTiming {
	t := ProbeTiming{InitialDelay: time.Duration(max(p.InitialDelaySeconds, 0)) * time.Second,
		Period: DefaultProbePeriod, Timeout: DefaultProbeTimeout, SuccessThreshold: 1, FailureThreshold: DefaultFailureThreshold}
	if p.PeriodSeconds > 0 {
		t.Period = time.Duration(p.PeriodSeconds) * time.Second
	}
	if p.TimeoutSeconds > 0 {
		t.Timeout = time.Duration(p.TimeoutSeconds) * time.Second
	}
	if p.SuccessThreshold > 0 && kind == Readiness {
		t.SuccessThreshold = int(p.SuccessThreshold)
	}
	if p.FailureThreshold > 0 {
		t.FailureThreshold = int(p.FailureThreshold)
	}
	return t
}

// FirstProbeIn is how long from now until a probe first runs:
// initialDelaySeconds after the container started, so an adopted container
// that started long ago is probed at once.
func FirstProbeIn(t ProbeTiming, startedAt, now time.Time) time.Duration {
	if startedAt.IsZero() {
		return t.InitialDelay
	}
	return max(startedAt.Add(t.InitialDelay).Sub(now), 0)
}

// Verdict is what a run of probe results amounts to.
type Verdict int

const (
	Undecided Verdict = iota // no threshold reached: the previous verdict stands
	Passed
	Failed
)

func (v Verdict) String() string {
	switch v {
	case Passed:
		return "passed"
	case Failed:
		return "failed"
	}
	return "undecided"
}

// ProbeCounter counts a probe's consecutive results.
type ProbeCounter struct{ Successes, Failures int }

// Observe adds one result: Passed after SuccessThreshold successes in a
// row, Failed after FailureThreshold failures in a row.
func (c ProbeCounter) Observe(ok bool, t ProbeTiming) (ProbeCounter, Verdict) {
	if ok {
		c.Successes, c.Failures = c.Successes+1, 0
		if c.Successes >= t.SuccessThreshold {
			return c, Passed
		}
		return c, Undecided
	}
	c.Successes, c.Failures = 0, c.Failures+1
	if c.Failures >= t.FailureThreshold {
		return c, Failed
	}
	return c, Undecided
}

// With is r after a verdict of one probe. A startup probe that passed, or
// a liveness or startup probe that failed, is final for the attempt.
func (r ProbeResult) With(kind ProbeKind, v Verdict) ProbeResult {
	switch {
	case v == Undecided:
	case kind == Startup && v == Passed:
		r.Started = true
	case kind == Startup:
		r.StartupFailed = true
	case kind == Liveness && v == Failed:
		r.LivenessFailed = true
	case kind == Readiness:
		r.Ready = v == Passed
	}
	return r
}

// InitialProbes is where the probes of a running attempt start: a container
// just started has the zero result; one the agent adopts after a restart
// (the log already reports this very container running) keeps what the
// log says, so that an agent restart neither turns ready pods unready nor
// runs startup probes again (the kubelet, too, counts a container started
// before it as started).
func InitialProbes(stored *corev1.ContainerStatus, containerID string) ProbeResult {
	if stored == nil || stored.ContainerID != containerID || stored.State.Running == nil {
		return ProbeResult{}
	}
	return ProbeResult{Started: stored.Started != nil && *stored.Started, Ready: stored.Ready}
}
