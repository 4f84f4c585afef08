package runtime

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	cerrdefs "github.com/containerd/errdefs"
	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/api/types/mount"
	"github.com/moby/moby/client"
)

// Labels on every container the Docker runtime creates. List rebuilds a
// ContainerInfo from them, so a restarted agent adopts what an earlier one
// started.
const (
	LabelNode         = "jetplane.node"
	LabelPodUID       = "jetplane.pod.uid"
	LabelPodNamespace = "jetplane.pod.namespace"
	LabelPodName      = "jetplane.pod.name"
	LabelContainer    = "jetplane.container"
	LabelAttempt      = "jetplane.attempt"
	LabelSpec         = "jetplane.spec" // the ContainerSpec as JSON
	// LabelRole is "sandbox" on a pod's pause container, "container" on the
	// pod's own containers.
	LabelRole = "jetplane.role"
)

const (
	roleSandbox   = "sandbox"
	roleContainer = "container"
)

// DockerConfig configures a Docker runtime.
type DockerConfig struct {
	// Node is the agent's node name, a label on every container; List
	// reports this node's containers only (agents may share an engine).
	Node string
	// Host is the engine address (unix:///var/run/docker.sock,
	// tcp://host:2375); empty: $DOCKER_HOST, else the default socket.
	Host string
	// Network gives pods their address; default "bridge".
	Network string
	// Logs receives container output; nil discards it.
	Logs LogSink
}

// Docker runs containers on a Docker engine through its API. Each pod gets
// a sandbox, a pause container that holds the pod's network and IPC
// namespaces and its address on the bridge network; the pod's containers
// join it (network mode container:<sandbox>), so they share one IP and
// reach each other on localhost, and keep it across restarts, as in
// Kubernetes.
type Docker struct {
	cfg     DockerConfig
	cli     *client.Client
	version string
	arch    string
	// ctx bounds the log followers; Close ends it.
	ctx    context.Context
	cancel context.CancelFunc

	pauseOnce  sync.Mutex
	pauseReady bool

	mu        sync.Mutex
	sandboxes map[string]*sandbox // by pod UID
	inspected map[ContainerID]inspected
	following map[ContainerID]bool
	started   map[ContainerID]bool // containers this runtime started (not adopted)
	starting  sync.Map             // container name → *sync.Mutex (lockName)
}

// inspected is what List knows of a container in a given engine state; a
// container is inspected again only when its state changes.
type inspected struct {
	state container.ContainerState
	info  ContainerInfo
}

var _ Runtime = (*Docker)(nil)

// ErrNoEngine: no Docker engine answers.
var ErrNoEngine = errors.New("no Docker engine answers")

// NewDockerClient is a client of the engine at host (empty: $DOCKER_HOST or
// the default socket) that negotiates the API version (engines from API 1.40).
func NewDockerClient(host string) (*client.Client, error) {
	opts := []client.Opt{client.FromEnv}
	if host != "" {
		opts = append(opts, client.WithHost(host))
	}
	cli, err := client.New(opts...)
	if err != nil {
		return nil, fmt.Errorf("docker client: %w", err)
	}
	return cli, nil
}

// DockerAvailable reports whether an engine answers at host; the error
// wraps ErrNoEngine when it does not.
func DockerAvailable(ctx context.Context, host string) error {
	cli, err := NewDockerClient(host)
	if err != nil {
		return errors.Join(ErrNoEngine, err)
	}
	defer cli.Close()
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		return fmt.Errorf("%w: %w", ErrNoEngine, err)
	}
	return nil
}

// NewDocker connects to the engine, which must answer, and adopts the
// sandboxes an earlier agent of the node left.
func NewDocker(ctx context.Context, cfg DockerConfig) (*Docker, error) {
	if cfg.Node == "" {
		return nil, errors.New("docker runtime: a node name is required")
	}
	if cfg.Network == "" {
		cfg.Network = "bridge"
	}
	cli, err := NewDockerClient(cfg.Host)
	if err != nil {
		return nil, err
	}
	if _, err := cli.Ping(ctx, client.PingOptions{NegotiateAPIVersion: true}); err != nil {
		cli.Close()
		return nil, fmt.Errorf("docker runtime: %w: %w", ErrNoEngine, err)
	}
	v, err := cli.ServerVersion(ctx, client.ServerVersionOptions{})
	if err != nil {
		cli.Close()
		return nil, fmt.Errorf("docker runtime: version: %w", err)
	}
	lctx, cancel := context.WithCancel(context.Background())
	d := &Docker{cfg: cfg, cli: cli, version: v.Version, arch: v.Arch, ctx: lctx, cancel: cancel,
		sandboxes: map[string]*sandbox{}, inspected: map[ContainerID]inspected{}, following: map[ContainerID]bool{},
		started: map[ContainerID]bool{}}
	if _, err := d.List(ctx); err != nil {
		d.Close()
		return nil, fmt.Errorf("docker runtime: %w", err)
	}
	return d, nil
}

// Close stops following container output and closes the client; the
// containers keep running.
func (d *Docker) Close() error {
	d.cancel()
	return d.cli.Close()
}

// SetLogSink sets where container output goes (the agent's log shipper).
func (d *Docker) SetLogSink(s LogSink) {
	d.mu.Lock()
	d.cfg.Logs = s
	d.mu.Unlock()
}

func (d *Docker) Name() string    { return "docker" }
func (d *Docker) Version() string { return d.version }

// Start creates and starts a container from a local image in the pod's
// sandbox (made first if need be). Images are never pulled.
func (d *Docker) Start(ctx context.Context, spec ContainerSpec) (ContainerID, error) {
	// One Start of an attempt at a time: a second, racing the first, would
	// find its container created but not yet running and replace it.
	unlock := d.lockName(containerName(spec))
	defer unlock()
	if _, err := d.cli.ImageInspect(ctx, spec.Image); cerrdefs.IsNotFound(err) || cerrdefs.IsInvalidArgument(err) {
		return "", MissingImage(spec.Image, spec.PullPolicy, "")
	} else if err != nil {
		return "", fmt.Errorf("start %s: image %s: %w", spec.Name, spec.Image, err)
	}
	sb, err := d.runSandbox(ctx, PodRef{UID: spec.PodUID, Namespace: spec.Namespace, Name: spec.PodName})
	if err != nil {
		return "", &StartError{Reason: "ContainerCreating", Message: "pod sandbox: " + err.Error(), Err: err}
	}
	if spec.PodIP == "" {
		spec.PodIP = sb.ip
	}
	labels, err := containerLabels(d.cfg.Node, spec)
	if err != nil {
		return "", fmt.Errorf("start %s: %w", spec.Name, err)
	}
	cfg := &container.Config{Image: spec.Image, Labels: labels, Env: dockerEnv(spec)}
	if len(spec.Command) > 0 {
		cfg.Entrypoint = spec.Command // Docker then ignores the image's CMD, as Kubernetes does
	}
	if len(spec.Args) > 0 {
		cfg.Cmd = spec.Args
	}
	cfg.User = dockerUser(spec)
	// A stdin to attach to, and a terminal, as the container asks.
	cfg.OpenStdin, cfg.StdinOnce, cfg.Tty = spec.Stdin, spec.StdinOnce, spec.TTY
	cfg.AttachStdin = spec.Stdin
	host := &container.HostConfig{
		NetworkMode: container.NetworkMode("container:" + sb.id),
		IpcMode:     container.IpcMode("container:" + sb.id),
		Resources:   container.Resources{NanoCPUs: spec.CPUMilli * 1e6, Memory: spec.MemoryBytes},
	}
	if spec.MemoryBytes > 0 {
		host.Resources.MemorySwap = spec.MemoryBytes // no swap: over the limit is an OOM kill
	}
	for _, m := range spec.Mounts {
		host.Mounts = append(host.Mounts, mount.Mount{Type: mount.TypeBind, Source: m.HostPath, Target: m.ContainerPath, ReadOnly: m.ReadOnly})
	}
	name := containerName(spec)
	created, err := d.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: name, Config: cfg, HostConfig: host})
	if cerrdefs.IsConflict(err) {
		// The name is taken by this attempt from an earlier try: a running
		// one is the container asked for; an ended one is replaced.
		res, ierr := d.cli.ContainerInspect(ctx, name, client.ContainerInspectOptions{})
		if ierr == nil && d.owns(res.Container) {
			if res.Container.State != nil && res.Container.State.Running {
				// One this runtime started (a second Start racing the first)
				// is followed from its start, as the first would; one an
				// earlier runtime left, from now (its output was shipped).
				id, since := ContainerID(res.Container.ID), time.Now()
				if d.startedHere(id) {
					since = time.Time{}
				}
				d.follow(id, spec, since)
				return id, nil
			}
			_, _ = d.cli.ContainerRemove(ctx, res.Container.ID, client.ContainerRemoveOptions{Force: true})
			created, err = d.cli.ContainerCreate(ctx, client.ContainerCreateOptions{Name: name, Config: cfg, HostConfig: host})
		}
	}
	if cerrdefs.IsNotFound(err) {
		return "", MissingImage(spec.Image, spec.PullPolicy, "") // removed since the inspection
	} else if err != nil {
		return "", &StartError{Reason: "CreateContainerError", Message: err.Error(), Err: err}
	}
	if _, err := d.cli.ContainerStart(ctx, created.ID, client.ContainerStartOptions{}); err != nil {
		// As the process runtime: a container that cannot start is not kept.
		_, _ = d.cli.ContainerRemove(context.WithoutCancel(ctx), created.ID, client.ContainerRemoveOptions{Force: true})
		return "", &StartError{Reason: "RunContainerError", Message: err.Error(), Err: err}
	}
	id := ContainerID(created.ID)
	d.mu.Lock()
	d.started[id] = true
	d.mu.Unlock()
	d.follow(id, spec, time.Time{})
	return id, nil
}

// lockName serialises the Starts of one container name. Its locks are
// kept (one small entry per container attempt the node ran): dropping one
// while a Start holds it would let the next run beside it.
func (d *Docker) lockName(name string) (unlock func()) {
	l, _ := d.starting.LoadOrStore(name, &sync.Mutex{})
	m := l.(*sync.Mutex)
	m.Lock()
	return m.Unlock
}

func (d *Docker) startedHere(id ContainerID) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.started[id]
}

// dockerEnv is the spec's environment; unlike the process runtime's it has
// no POD_IP, since a container listening on every interface of its own
// network namespace needs none (Kubernetes sets none either).
func dockerEnv(spec ContainerSpec) []string {
	env := make([]string, 0, len(spec.Env))
	for _, e := range spec.Env {
		env = append(env, e.Name+"="+e.Value)
	}
	return env
}

// containerName follows the kubelet's dockershim: k8s_<container>_<pod>_<ns>_<uid>_<attempt>.
// Docker's unique names keep one attempt from starting twice.
func containerName(spec ContainerSpec) string {
	return fmt.Sprintf("k8s_%s_%s_%s_%s_%d", spec.Name, spec.PodName, spec.Namespace, spec.PodUID, spec.Attempt)
}

func containerLabels(node string, spec ContainerSpec) (map[string]string, error) {
	js, err := json.Marshal(spec)
	if err != nil {
		return nil, err
	}
	return map[string]string{
		LabelNode: node, LabelRole: roleContainer,
		LabelPodUID: spec.PodUID, LabelPodNamespace: spec.Namespace, LabelPodName: spec.PodName,
		LabelContainer: spec.Name, LabelAttempt: strconv.Itoa(spec.Attempt), LabelSpec: string(js),
	}, nil
}

// specFromLabels rebuilds what started a container: the JSON spec, or the
// single labels when it is missing or unreadable.
func specFromLabels(labels map[string]string) ContainerSpec {
	var spec ContainerSpec
	if js := labels[LabelSpec]; js != "" && json.Unmarshal([]byte(js), &spec) == nil {
		return spec
	}
	spec = ContainerSpec{Node: labels[LabelNode], PodUID: labels[LabelPodUID], Namespace: labels[LabelPodNamespace],
		PodName: labels[LabelPodName], Name: labels[LabelContainer]}
	spec.Attempt, _ = strconv.Atoi(labels[LabelAttempt])
	return spec
}

// Stop sends the image's stop signal (SIGTERM by default), waits up to
// grace, then SIGKILL, and returns once the container has ended.
func (d *Docker) Stop(ctx context.Context, id ContainerID, grace time.Duration) error {
	res, err := d.cli.ContainerInspect(ctx, string(id), client.ContainerInspectOptions{})
	if err != nil {
		return d.notFound(id, err)
	}
	if res.Container.State == nil || !res.Container.State.Running {
		return nil
	}
	sig := "SIGTERM"
	if res.Container.Config != nil && res.Container.Config.StopSignal != "" {
		sig = res.Container.Config.StopSignal
	}
	wctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	defer cancel()
	// Waiting starts before the signal, so the exit cannot be missed.
	wait := d.cli.ContainerWait(wctx, string(id), client.ContainerWaitOptions{Condition: container.WaitConditionNotRunning})
	if err := d.kill(ctx, id, sig); err != nil {
		return err
	}
	t := time.NewTimer(max(grace, 0))
	defer t.Stop()
	select {
	case <-wait.Result:
		return nil
	case <-t.C:
	case <-ctx.Done():
	case err := <-wait.Error:
		return fmt.Errorf("stop %s: wait: %w", id, err)
	}
	if err := d.kill(context.WithoutCancel(ctx), id, "SIGKILL"); err != nil {
		return err
	}
	// SIGKILL cannot be refused: the end follows promptly.
	select {
	case <-wait.Result:
		return nil
	case err := <-wait.Error:
		return fmt.Errorf("stop %s: wait: %w", id, err)
	case <-time.After(10 * time.Second):
		return fmt.Errorf("container %s did not end after SIGKILL", id)
	}
}

// kill signals a container; one that has already ended is not an error.
func (d *Docker) kill(ctx context.Context, id ContainerID, sig string) error {
	_, err := d.cli.ContainerKill(ctx, string(id), client.ContainerKillOptions{Signal: sig})
	if err == nil || cerrdefs.IsConflict(err) || strings.Contains(err.Error(), "is not running") {
		return nil
	}
	return fmt.Errorf("signal %s to %s: %w", sig, id, d.notFound(id, err))
}

// Remove deletes an ended container.
func (d *Docker) Remove(ctx context.Context, id ContainerID) error {
	res, err := d.cli.ContainerInspect(ctx, string(id), client.ContainerInspectOptions{})
	if err != nil {
		return d.notFound(id, err)
	}
	if res.Container.State != nil && res.Container.State.Running {
		return fmt.Errorf("remove container %s: still running", id)
	}
	if _, err := d.cli.ContainerRemove(ctx, string(id), client.ContainerRemoveOptions{RemoveVolumes: true}); err != nil {
		return fmt.Errorf("remove container %s: %w", id, d.notFound(id, err))
	}
	d.mu.Lock()
	delete(d.inspected, id)
	delete(d.started, id)
	d.mu.Unlock()
	return nil
}

// owns tells whether a container is this node's (engines may be shared).
func (d *Docker) owns(c container.InspectResponse) bool {
	return c.Config != nil && c.Config.Labels[LabelNode] == d.cfg.Node
}

// notFound turns the engine's not-found errors into ErrNotFound.
func (d *Docker) notFound(id ContainerID, err error) error {
	if cerrdefs.IsNotFound(err) {
		return fmt.Errorf("container %s: %w", id, ErrNotFound)
	}
	return err
}

// dockerUser is Docker's "uid[:gid]" for the securityContext's runAsUser
// and runAsGroup; "" (the image's user, as Kubernetes runs it) when
// neither is set. A group without a user is left to the image: Docker
// takes no group without a user, and the image's uid is not known here.
func dockerUser(spec ContainerSpec) string {
	switch {
	case spec.RunAsUser != nil && spec.RunAsGroup != nil:
		return fmt.Sprintf("%d:%d", *spec.RunAsUser, *spec.RunAsGroup)
	case spec.RunAsUser != nil:
		return fmt.Sprintf("%d", *spec.RunAsUser)
	}
	return ""
}
