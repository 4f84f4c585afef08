package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// maxExecOutput bounds what Exec keeps of a command's output (the kubelet
// keeps 10 KiB of a probe's output).
const maxExecOutput = 10 << 10

// Exec runs cmd as the container would see it: in the image directory, with
// the container's environment. The process runtime has no isolation, so
// the command is a host process, run as the container's user.
func (p *Process) Exec(ctx context.Context, id ContainerID, cmd []string) (ExecResult, error) {
	c, err := p.command(ctx, id, cmd)
	if err != nil {
		return ExecResult{}, err
	}
	var out boundedBuffer
	c.Stdout, c.Stderr = &out, &out
	code, err := runCommand(ctx, id, c)
	return ExecResult{ExitCode: code, Output: out.Bytes()}, err
}

// ExecStream is Exec with the caller's streams (kubectl exec). The process
// runtime has no terminals: a TTY is refused.
func (p *Process) ExecStream(ctx context.Context, id ContainerID, cmd []string, sio ExecIO) (int, error) {
	if sio.TTY {
		return 0, fmt.Errorf("exec in %s: %w", id, ErrNoTTY)
	}
	c, err := p.command(ctx, id, cmd)
	if err != nil {
		return 0, err
	}
	c.Stdout, c.Stderr = orDiscard(sio.Stdout), orDiscard(sio.Stderr)
	if sio.Stdin == nil {
		return runCommand(ctx, id, c)
	}
	// A pipe of our own rather than c.Stdin: os/exec would wait for its
	// copy, blocked reading a client that has nothing more to say, after
	// the command has exited.
	stdin, err := c.StdinPipe()
	if err != nil {
		return 0, fmt.Errorf("exec in %s: %w", id, err)
	}
	go func() {
		_, _ = io.Copy(stdin, sio.Stdin)
		_ = stdin.Close()
	}()
	return runCommand(ctx, id, c)
}

// command prepares cmd to run as container id would see it.
func (p *Process) command(ctx context.Context, id ContainerID, cmd []string) (*exec.Cmd, error) {
	if len(cmd) == 0 {
		return nil, errors.New("exec: empty command")
	}
	p.mu.Lock()
	pr, ok := p.procs[id]
	var info ContainerInfo
	if ok {
		info = pr.info
	}
	p.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("exec in %s: %w", id, ErrNotFound)
	}
	if info.State.Phase != Running {
		return nil, fmt.Errorf("exec in %s: container is not running", id)
	}
	entry, err := ImagePath(p.cfg.ImagesDir, info.Spec.Image)
	if err != nil {
		return nil, fmt.Errorf("exec in %s: %w", id, err)
	}
	dir := filepath.Dir(entry)
	path, err := resolveCommand(dir, cmd[0])
	if err != nil {
		// As in a container: a missing executable is exit code 127-like
		// failure, reported as an error of the probe.
		return nil, fmt.Errorf("exec in %s: %w", id, err)
	}
	cred, err := p.credential(info.Spec)
	if err != nil {
		return nil, fmt.Errorf("exec in %s: %w", id, err)
	}
	c := exec.CommandContext(ctx, path, cmd[1:]...)
	c.Dir = dir
	c.Env = containerEnv(info.Spec)
	// As the container's user: a probe sees what the container sees.
	c.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Credential: cred}
	// The timeout ends the command's whole group, and Run does not wait on
	// descendants that hold its output open.
	c.Cancel = func() error { return syscall.Kill(-c.Process.Pid, syscall.SIGKILL) }
	c.WaitDelay = time.Second
	return c, nil
}

// runCommand runs c and returns its exit code.
func runCommand(ctx context.Context, id ContainerID, c *exec.Cmd) (int, error) {
	err := c.Run()
	var exitErr *exec.ExitError
	switch {
	case err == nil:
		return 0, nil
	case ctx.Err() != nil:
		return 0, fmt.Errorf("exec in %s: %w", id, ctx.Err())
	case errors.As(err, &exitErr):
		return exitErr.ExitCode(), nil
	default:
		return 0, fmt.Errorf("exec in %s: %w", id, err)
	}
}

func orDiscard(w io.Writer) io.Writer {
	if w == nil {
		return io.Discard
	}
	return w
}

// boundedBuffer keeps the first maxExecOutput bytes written to it.
type boundedBuffer struct{ bytes.Buffer }

func (b *boundedBuffer) Write(p []byte) (int, error) {
	if room := maxExecOutput - b.Len(); room > 0 {
		if len(p) > room {
			b.Buffer.Write(p[:room])
		} else {
			b.Buffer.Write(p)
		}
	}
	return len(p), nil
}

// ReadFrom hides the embedded bytes.Buffer's, through which io.Copy (and so
// os/exec) would write past the bound.
func (b *boundedBuffer) ReadFrom(r io.Reader) (int64, error) {
	return io.Copy(struct{ io.Writer }{b}, r)
}
