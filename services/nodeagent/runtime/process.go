package runtime

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/google/uuid"
)

// ProcessConfig configures a process runtime.
type ProcessConfig struct {
	// ImagesDir holds the images: <repo>/<name>/<tag>/entrypoint.
	ImagesDir string
	// Logs receives container output; nil discards it.
	Logs LogSink
	// SecondOctetMin/Max bound the pod addresses 127.<min..max>.x.y
	// (default 1..254). Agents on one machine but in different OS processes
	// should get disjoint ranges.
	SecondOctetMin, SecondOctetMax int
	// DefaultRunAsUser and DefaultRunAsGroup are who a container runs as
	// when its pod's securityContext sets no runAsUser (runAsGroup): nil is
	// 65534 (nobody). Root only when a pod asks for runAsUser: 0. Switching
	// users needs a root agent; an unprivileged agent runs every container
	// as itself (see RunsAs).
	DefaultRunAsUser, DefaultRunAsGroup *int64
	// StateDir, when set, keeps a record of every process started (pid,
	// process group, start time): a runtime made on it kills what a crashed
	// predecessor left running (Process.LeftBehind).
	StateDir string
}

// Process runs images as local executables, one process group per container.
type Process struct {
	cfg    ProcessConfig
	ips    loopbackRange
	images imageIDs

	mu    sync.Mutex
	procs map[ContainerID]*process
	// leftBehind is what NewProcess killed of a predecessor's.
	leftBehind []LeftBehind
}

type process struct {
	info ContainerInfo
	pid  int
	done chan struct{} // closed once the process has been reaped
}

var _ Runtime = (*Process)(nil)

// NewProcess makes a process runtime. The images directory must exist.
func NewProcess(cfg ProcessConfig) (*Process, error) {
	abs, err := filepath.Abs(cfg.ImagesDir)
	if err != nil {
		return nil, fmt.Errorf("process runtime: images %q: %w", cfg.ImagesDir, err)
	}
	if err := os.MkdirAll(abs, 0o755); err != nil {
		return nil, fmt.Errorf("process runtime: images %q: %w", abs, err)
	}
	cfg.ImagesDir = abs
	if err := shareImages(abs); err != nil {
		return nil, fmt.Errorf("process runtime: %w", err)
	}
	r := loopbackRange{lo: cfg.SecondOctetMin, hi: cfg.SecondOctetMax}
	if r.lo < 1 || r.lo > 254 {
		r.lo = 1
	}
	if r.hi < r.lo || r.hi > 254 {
		r.hi = 254
	}
	pr := &Process{cfg: cfg, ips: r, procs: map[ContainerID]*process{}}
	if cfg.StateDir != "" {
		if err := os.MkdirAll(cfg.StateDir, 0o700); err != nil {
			return nil, fmt.Errorf("process runtime: state %q: %w", cfg.StateDir, err)
		}
		if pr.leftBehind, err = pr.killLeftBehind(); err != nil {
			return nil, fmt.Errorf("process runtime: %w", err)
		}
	}
	return pr, nil
}

// LeftBehind is what the runtime killed when it was made: the processes a
// predecessor on the same StateDir left running.
func (p *Process) LeftBehind() []LeftBehind { return p.leftBehind }

// SetLogSink sets where container output goes (the agent's log shipper).
func (p *Process) SetLogSink(s LogSink) {
	p.mu.Lock()
	p.cfg.Logs = s
	p.mu.Unlock()
}

func (p *Process) Name() string    { return "process" }
func (p *Process) Version() string { return "1" }

// Start runs the image's entrypoint (or the spec's command) in the image
// directory with POD_IP and the spec's env, as the spec's user (see
// credential).
func (p *Process) Start(ctx context.Context, spec ContainerSpec) (ContainerID, error) {
	entry, err := ImagePath(p.cfg.ImagesDir, spec.Image)
	if err != nil {
		return "", &StartError{Reason: "InvalidImageName", Message: err.Error(), Err: err}
	}
	st, err := os.Stat(entry)
	if err != nil || st.IsDir() {
		return "", MissingImage(spec.Image, spec.PullPolicy, "process runtime: no "+entry)
	}
	dir := filepath.Dir(entry)
	argv := append([]string{entry}, spec.Args...)
	if len(spec.Command) > 0 {
		argv = append(append([]string{}, spec.Command...), spec.Args...)
		if argv[0], err = resolveCommand(dir, argv[0]); err != nil {
			return "", &StartError{Reason: "RunContainerError", Message: err.Error(), Err: err}
		}
	}
	cred, err := p.credential(spec)
	if err != nil {
		return "", &StartError{Reason: "CreateContainerConfigError", Message: err.Error(), Err: err}
	}
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = containerEnv(spec)
	// Stop signals the whole group; the container dies with the agent
	// (Pdeathsig), and what its group left is killed by the next runtime
	// (StateDir).
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred, Pdeathsig: syscall.SIGKILL}
	outR, outW, err := os.Pipe()
	if err != nil {
		return "", fmt.Errorf("start %s: %w", spec.Name, err)
	}
	errR, errW, err := os.Pipe()
	if err != nil {
		outR.Close()
		outW.Close()
		return "", fmt.Errorf("start %s: %w", spec.Name, err)
	}
	cmd.Stdout, cmd.Stderr = outW, errW
	err = cmd.Start()
	outW.Close()
	errW.Close()
	if err != nil {
		outR.Close()
		errR.Close()
		return "", &StartError{Reason: "RunContainerError", Message: err.Error(), Err: err}
	}
	id := ContainerID(strings.ReplaceAll(uuid.NewString(), "-", ""))
	if err := p.record(id, spec, cmd.Process.Pid); err != nil {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
		_ = cmd.Wait()
		outR.Close()
		errR.Close()
		return "", &StartError{Reason: "RunContainerError", Message: err.Error(), Err: err}
	}
	pr := &process{pid: cmd.Process.Pid, done: make(chan struct{}), info: ContainerInfo{
		ID: id, Spec: spec, ImageID: p.images.of(entry, st),
		State: ContainerState{Phase: Running, StartedAt: time.Now()},
	}}
	p.mu.Lock()
	p.procs[id] = pr
	sink := p.cfg.Logs
	p.mu.Unlock()
	var copying sync.WaitGroup
	copying.Add(2)
	go p.ship(&copying, sink, spec, "stdout", outR)
	go p.ship(&copying, sink, spec, "stderr", errR)
	go p.wait(pr, cmd, &copying)
	return id, nil
}

func resolveCommand(dir, name string) (string, error) {
	if strings.ContainsRune(name, '/') {
		if filepath.IsAbs(name) {
			return name, nil
		}
		return filepath.Join(dir, name), nil
	}
	if st, err := os.Stat(filepath.Join(dir, name)); err == nil && !st.IsDir() {
		return filepath.Join(dir, name), nil
	}
	path, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("command %q: %w", name, err)
	}
	return path, nil
}

func containerEnv(spec ContainerSpec) []string {
	env := []string{
		"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
		"HOSTNAME=" + spec.PodName,
		"POD_IP=" + spec.PodIP,
	}
	for _, e := range spec.Env {
		env = append(env, e.Name+"="+e.Value)
	}
	return env
}

// ship hands each output line to the sink until the pipe closes.
func (p *Process) ship(wg *sync.WaitGroup, sink LogSink, spec ContainerSpec, stream string, r *os.File) {
	defer wg.Done()
	defer r.Close()
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if sink != nil {
			sink(spec, stream, sc.Text(), time.Now())
		}
	}
}

// wait reaps the process and records how it ended.
func (p *Process) wait(pr *process, cmd *exec.Cmd, copying *sync.WaitGroup) {
	err := cmd.Wait()
	// Leftover children of the group must not outlive the container.
	_ = syscall.Kill(-pr.pid, syscall.SIGKILL)
	copying.Wait()
	state := ContainerState{Phase: Exited, FinishedAt: time.Now(), Reason: "Completed"}
	var exitErr *exec.ExitError
	switch {
	case err == nil:
	case errors.As(err, &exitErr):
		state.ExitCode = exitErr.ExitCode()
		if ws, ok := exitErr.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
			state.ExitCode = 128 + int(ws.Signal()) // as Docker reports it
		}
		state.Reason = "Error"
	default:
		state.ExitCode, state.Reason, state.Message = 128, "Error", err.Error()
	}
	p.forget(pr.info.ID)
	p.mu.Lock()
	state.StartedAt = pr.info.State.StartedAt
	pr.info.State = state
	p.mu.Unlock()
	close(pr.done)
}

func (p *Process) get(id ContainerID) (*process, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	pr, ok := p.procs[id]
	if !ok {
		return nil, fmt.Errorf("container %s: %w", id, ErrNotFound)
	}
	return pr, nil
}

// Stop sends SIGTERM to the container's process group, waits up to grace,
// then sends SIGKILL.
func (p *Process) Stop(ctx context.Context, id ContainerID, grace time.Duration) error {
	pr, err := p.get(id)
	if err != nil {
		return err
	}
	select {
	case <-pr.done:
		return nil
	default:
	}
	_ = syscall.Kill(-pr.pid, syscall.SIGTERM)
	t := time.NewTimer(max(grace, 0))
	defer t.Stop()
	select {
	case <-pr.done:
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	_ = syscall.Kill(-pr.pid, syscall.SIGKILL)
	// SIGKILL cannot be refused: the reaping follows promptly.
	select {
	case <-pr.done:
		return nil
	case <-time.After(10 * time.Second):
		return fmt.Errorf("container %s (pid %d) did not end after SIGKILL", id, pr.pid)
	}
}

// Remove forgets an ended container.
func (p *Process) Remove(ctx context.Context, id ContainerID) error {
	pr, err := p.get(id)
	if err != nil {
		return err
	}
	select {
	case <-pr.done:
	default:
		return fmt.Errorf("remove container %s: still running", id)
	}
	p.mu.Lock()
	delete(p.procs, id)
	p.mu.Unlock()
	return nil
}

func (p *Process) Status(ctx context.Context, id ContainerID) (ContainerState, error) {
	pr, err := p.get(id)
	if err != nil {
		return ContainerState{}, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return pr.info.State, nil
}

func (p *Process) List(ctx context.Context) ([]ContainerInfo, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]ContainerInfo, 0, len(p.procs))
	for _, pr := range p.procs {
		out = append(out, pr.info)
	}
	return out, nil
}

func (p *Process) AllocateIP(podUID, preferred string, inUse func(string) bool) (string, error) {
	return p.ips.allocate(podUID, preferred, inUse)
}

func (p *Process) ReleaseIP(podUID string) { releaseLoopback(podUID) }
