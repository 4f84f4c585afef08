package podsync

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Back-off of container restarts and of failed starts, as the kubelet's.
const (
	BackoffInitial = 10 * time.Second
	BackoffMax     = 5 * time.Minute
	// BackoffReset: a container that ran this long before it ended restarts
	// after BackoffInitial again.
	BackoffReset = 10 * time.Minute
	// StartRetry is how long a failed start (ErrImageNeverPull...) waits
	// before it is tried again.
	StartRetry = 10 * time.Second
	// ErrImagePullShown: after a failed pull the container waits with reason
	// ErrImagePull this long, then ImagePullBackOff until its back-off
	// (BackoffInitial doubling per failure, at most BackoffMax) runs out, as
	// the kubelet shows them.
	ErrImagePullShown = 5 * time.Second
	// MinGrace is the least time a container is given between SIGTERM and
	// SIGKILL, as the kubelet's minimum grace period, even when a terminating
	// pod's grace period has already run out.
	MinGrace = 2 * time.Second
	// DefaultGrace is terminationGracePeriodSeconds when the pod sets none.
	DefaultGrace = 30 * time.Second
)

// Container is one container attempt the runtime holds for the pod.
type Container struct {
	ID         string // runtime ID, without the scheme
	PodUID     string // the pod it was started for
	Name       string // container name in the pod spec
	Attempt    int    // restartCount when it was started
	ImageID    string
	Running    bool
	Stopping   bool // a stop is under way
	StartedAt  time.Time
	FinishedAt time.Time
	ExitCode   int
	Reason     string // Completed, Error, OOMKilled
	Message    string
	// ProbeKill is the message the agent stopped this attempt with when a
	// liveness or startup probe failed ("" otherwise); such an attempt
	// restarts unless restartPolicy is Never, whatever its exit code.
	ProbeKill string
}

// StartFailure is the last failed start of a container.
type StartFailure struct {
	Reason  string // ErrImageNeverPull, ErrImagePull, RunContainerError...
	Message string
	At      time.Time
	// Count is how many starts in a row failed this way (at least 1), for
	// Image: a new image starts afresh, as the kubelet keys its back-off by image.
	Count int
	Image string
}

// ProbeResult is the prober's verdict on one running container attempt.
// Its zero value is a container just started: not started (when it has a
// startup probe), not ready (when it has a readiness probe), alive.
type ProbeResult struct {
	Started        bool // the startup probe passed (ignored without one)
	Ready          bool // readiness passed (ignored without a readiness probe)
	LivenessFailed bool // failureThreshold consecutive liveness failures
	StartupFailed  bool // failureThreshold consecutive startup failures
}

// Backoff is the restart delay chosen when attempt Attempt of a container
// ended; the agent remembers it to double it at the next crash.
type Backoff struct {
	Attempt int
	Delay   time.Duration
}

// Input is everything the decision reads.
type Input struct {
	Now         time.Time
	Pod         *corev1.Pod // as stored; read-only
	RuntimeName string      // scheme of containerID: "process" → process://<id>
	HostIP      string
	PodIP       string
	Containers  []Container             // the runtime's containers of this pod (its UID)
	Failures    map[string]StartFailure // by container name
	Probes      map[string]ProbeResult  // by container ID
	Backoffs    map[string]Backoff      // by container name: the last restart delay
}

// Start asks for a new attempt of a container.
type Start struct {
	Container string
	Attempt   int // its restartCount
}

// Stop asks to end a running container within Grace (its preStop hook
// included).
type Stop struct {
	ID        string
	Container string // name in the pod spec, "" when it is not in it
	Grace     time.Duration
	Reason    string // for logs: "pod terminating", "liveness probe failed"...
	// ProbeKill is the kubelet's message when a failed probe is the cause:
	// "Container X failed liveness probe, will be restarted".
	ProbeKill string
}

// Decision is what to do for one pod.
type Decision struct {
	Start  []Start
	Stop   []Stop
	Remove []string // IDs of ended attempts no longer needed for lastState
	// Status is the status to report, nil when it equals the stored one.
	Status *corev1.PodStatus
	// Change names the status event: running, ready, unready, waiting,
	// succeeded, failed, status; "deleted" when Delete.
	Change string
	// Delete: the pod is terminating, none of its containers runs and it
	// has no finalizers (with finalizers the final status is written and
	// whoever removes the last one deletes it).
	Delete bool
	// Requeue asks to look again after this long (back-off expiry); 0: no timer.
	Requeue time.Duration
	// Backoffs are restart delays newly chosen, by container name, for the
	// agent to remember (Input.Backoffs of the next decisions).
	Backoffs map[string]Backoff
}

// Acts tells whether the decision asks the runtime to do something.
func (d Decision) Acts() bool { return len(d.Start)+len(d.Stop)+len(d.Remove) > 0 }

// Idle tells whether the decision is to do nothing at all: no action, no
// status, no deletion, no timer, no back-off to remember. An idle decision
// does not depend on Input.Now (time matters only to back-offs, retries
// and grace periods, which requeue or act): Decide decides the same for
// the same input at any later time.
func (d Decision) Idle() bool {
	return !d.Acts() && d.Status == nil && !d.Delete && d.Requeue == 0 && len(d.Backoffs) == 0
}
