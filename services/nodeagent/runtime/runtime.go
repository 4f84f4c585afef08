package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/jetplane/jetplane/poddns"
)

// ContainerID names one started container (one attempt) within a runtime.
type ContainerID string

// Errors of runtimes. Match them with errors.Is.
var (
	// ErrImageNeverPull: the image is not on the node and cannot be pulled.
	// Its text is the Kubernetes waiting reason.
	ErrImageNeverPull = errors.New("ErrImageNeverPull")
	// ErrImagePull: the image is not on the node and pulling it failed
	// (Jetplane's nodes pull from no registry). Its text is the reason.
	ErrImagePull = errors.New("ErrImagePull")
	// ErrNoTTY: the runtime cannot give a command a terminal.
	ErrNoTTY = errors.New("this runtime has no terminals (tty)")
	// ErrNotFound: no container with this ID.
	ErrNotFound = errors.New("container not found")
	// ErrNoAddress: no pod IP is left.
	ErrNoAddress = errors.New("no pod address left")
)

// MissingImage is the start error of an image that is not on the node:
// ErrImageNeverPull under pull policy Never, as the kubelet says it, else
// ErrImagePull, the pull having nowhere to pull from.
func MissingImage(image, policy, detail string) *StartError {
	if policy == "Never" {
		msg := fmt.Sprintf("Container image %q is not present with pull policy of Never", image)
		if detail != "" {
			msg += " (" + detail + ")"
		}
		return &StartError{Reason: ErrImageNeverPull.Error(), Err: ErrImageNeverPull, Message: msg}
	}
	return &StartError{Reason: ErrImagePull.Error(), Err: ErrImagePull,
		Message: fmt.Sprintf("Failed to pull image %q: not present on the node, and this node pulls from no registry (build it on the node)", image)}
}

// StartError is a failed start the pod status reports as a waiting reason
// and message (ErrImageNeverPull, RunContainerError...).
type StartError struct {
	Reason  string
	Message string
	Err     error // matched by errors.Is
}

func (e *StartError) Error() string { return e.Reason + ": " + e.Message }
func (e *StartError) Unwrap() error { return e.Err }

// EnvVar is one plain environment variable.
type EnvVar struct{ Name, Value string }

// ContainerSpec is everything a runtime needs to start one container.
type ContainerSpec struct {
	Node      string // the node the pod is bound to (its output is that node's)
	PodUID    string
	Namespace string
	PodName   string
	Name      string // container name
	Image     string
	// Stdin, StdinOnce and TTY are the container's stdin, stdinOnce and
	// tty: a stdin kubectl attach can write to, a terminal.
	Stdin, StdinOnce, TTY bool
	// PullPolicy is imagePullPolicy (Always, IfNotPresent, Never): which
	// error a missing image is, since no runtime here pulls.
	PullPolicy string
	Command    []string // replaces the image's entrypoint
	Args       []string
	Env        []EnvVar
	PodIP      string
	Attempt    int // the container's restartCount at this start
	// Ports the container declares (a runtime with its own network may
	// need them; the process runtime's pods listen on their own address).
	Ports []Port
	// Limits from resources.limits: 0 means none.
	CPUMilli    int64
	MemoryBytes int64
	// RunAsUser and RunAsGroup are the securityContext's (the container's
	// over the pod's); nil leaves them to the runtime's default.
	// SupplementalGroups are the pod's.
	RunAsUser, RunAsGroup *int64
	SupplementalGroups    []int64
	// Mounts are the container's volume mounts: paths of the node bound
	// at paths of the container. The process runtime has no filesystem of
	// its own to bind them in: its containers find them at HostPath.
	Mounts []Mount
}

// Mount binds a path of the node into a container.
type Mount struct {
	HostPath, ContainerPath string
	ReadOnly                bool
}

// Port is one declared container port.
type Port struct {
	Name          string
	ContainerPort int32
	Protocol      string // TCP (default), UDP
}

// ExecResult is the outcome of a command run inside a container.
type ExecResult struct {
	ExitCode int
	Output   []byte // stdout and stderr, bounded
}

// Phase of a container.
type Phase string

const (
	Running Phase = "running"
	Exited  Phase = "exited"
	Waiting Phase = "waiting"
)

// ContainerState is what a runtime knows of one container now.
type ContainerState struct {
	Phase      Phase
	StartedAt  time.Time
	FinishedAt time.Time
	ExitCode   int    // exited only; 128+signal when killed
	Reason     string // exited: Completed or Error; waiting: why
	Message    string
}

// ContainerInfo is one container a runtime holds, with what started it.
type ContainerInfo struct {
	ID      ContainerID
	Spec    ContainerSpec
	ImageID string
	State   ContainerState
}

// Simulated is a runtime that runs nothing (the load test's hollow
// nodes): the agent makes no volumes for its pods, as nothing would read
// them.
type Simulated interface{ Simulated() }

// Runtime runs containers for one node agent.
type Runtime interface {
	// Name is the scheme of container IDs and of containerRuntimeVersion
	// ("process" → "process://<id>", "process://1").
	Name() string
	Version() string
	// Start starts a container; a *StartError says why it could not.
	Start(ctx context.Context, spec ContainerSpec) (ContainerID, error)
	// Stop asks the container to end (SIGTERM or the like), waits up to grace,
	// then kills it. It returns once the container has ended.
	Stop(ctx context.Context, id ContainerID, grace time.Duration) error
	// Remove forgets an ended container.
	Remove(ctx context.Context, id ContainerID) error
	Status(ctx context.Context, id ContainerID) (ContainerState, error)
	// List reports every container the runtime holds, ended ones included.
	List(ctx context.Context) ([]ContainerInfo, error)
	// AllocateIP gives a pod its address: preferred (the one it had) when
	// free, else a new one; inUse reports addresses taken elsewhere (pods of
	// other nodes). A runtime whose network assigns addresses returns "".
	AllocateIP(podUID, preferred string, inUse func(ip string) bool) (string, error)
	// ReleaseIP frees the pod's address.
	ReleaseIP(podUID string)
	// Exec runs cmd inside a running container (exec probes) and waits for
	// it to end, or for ctx (the probe's timeout) to end it.
	Exec(ctx context.Context, id ContainerID, cmd []string) (ExecResult, error)
}

// PodLister is implemented by a runtime that lists one pod's containers
// without copying every container it holds (hollow: the agent looks at
// each of a node's many pods every second).
type PodLister interface {
	// ListPod reports the containers of pod namespace/name, ended ones
	// included, as List would.
	ListPod(ctx context.Context, namespace, name string) ([]ContainerInfo, error)
}

// LogSink receives each line a container writes; stream is stdout or stderr.
type LogSink func(spec ContainerSpec, stream, line string, at time.Time)

// PodRef names a pod to a runtime.
type PodRef struct {
	UID, Namespace, Name string
	// DNS is the pod's resolver (dnsPolicy and dnsConfig, decided by
	// poddns); nil or Host: the node's.
	DNS *poddns.Config
}

// TerminalSize is a terminal's size in characters.
type TerminalSize struct{ Width, Height uint16 }

// ExecIO are a streamed command's standard streams (kubectl exec).
type ExecIO struct {
	Stdin          io.Reader // nil: none
	Stdout, Stderr io.Writer // nil: discarded
	TTY            bool      // a terminal (its output is all on Stdout)
	Resize         <-chan TerminalSize
}

// StreamExecer is implemented by runtimes that run commands in a container
// with the caller's streams attached: kubectl exec. ExecStream returns the
// command's exit code once it ends, or an error when it could not run.
type StreamExecer interface {
	ExecStream(ctx context.Context, id ContainerID, cmd []string, sio ExecIO) (int, error)
}

// StreamAttacher is implemented by runtimes that attach to a running
// container's own streams (kubectl attach, kubectl run -i): AttachStream
// returns when the container's output ends or ctx does.
type StreamAttacher interface {
	AttachStream(ctx context.Context, id ContainerID, sio ExecIO) error
}

// PodSandboxes is implemented by a runtime whose network gives pods their
// addresses (docker): a pod's containers share a sandbox that holds the
// pod's network, made before its first container. The agent calls
// RunPodSandbox instead of AllocateIP: it makes the sandbox unless it runs
// and returns the pod's IP, stable while the sandbox lives. ReleaseIP
// removes the sandbox once the pod's containers have ended.
type PodSandboxes interface {
	RunPodSandbox(ctx context.Context, pod PodRef) (ip string, err error)
}
