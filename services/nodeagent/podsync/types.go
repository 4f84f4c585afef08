package podsync

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Back-off of container restarts and of failed starts, as the kubelet's.
const (
	BackoffInitial = 10 * time.Second
	BackoffMax     = 5 * time.Minute
	// StartRetry is how long a failed start (ErrImageNeverPull...) waits
	// before it is tried again.
	StartRetry = 10 * time.Second
)

// Container is one container attempt the runtime holds for the pod.
type Container struct {
	ID         string // runtime ID, without the scheme
	Name       string // container name in the pod spec
	Attempt    int    // restartCount when it was started
	ImageID    string
	Running    bool
	Stopping   bool // a stop is under way
	StartedAt  time.Time
	FinishedAt time.Time
	ExitCode   int
	Reason     string // Completed, Error
	Message    string
}

// StartFailure is the last failed start of a container.
type StartFailure struct {
	Reason  string // ErrImageNeverPull, RunContainerError...
	Message string
	At      time.Time
}

// ProbeResult is the prober's verdict on one running container attempt.
type ProbeResult struct {
	Ready          bool // readiness passed (ignored when the container has no readiness probe)
	LivenessFailed bool // failureThreshold consecutive liveness failures
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
}

// Start asks for a new attempt of a container.
type Start struct {
	Container string
	Attempt   int // its restartCount
}

// Stop asks to end a running container within Grace.
type Stop struct {
	ID     string
	Grace  time.Duration
	Reason string // for logs: "terminating", "liveness probe failed"
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
	// Delete: the pod is terminating and none of its containers runs.
	Delete bool
	// Requeue asks to look again after this long (back-off expiry); 0: no timer.
	Requeue time.Duration
}

// Acts tells whether the decision asks the runtime to do something.
func (d Decision) Acts() bool { return len(d.Start)+len(d.Stop)+len(d.Remove) > 0 }
