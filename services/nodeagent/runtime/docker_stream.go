package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

var _ StreamExecer = (*Docker)(nil)

// firstSizeWait bounds how long a terminal exec waits for the client's
// terminal size before it starts without one.
const firstSizeWait = time.Second

// ExecStream runs cmd in the container through the engine's exec API with
// sio's streams attached (a terminal if asked, resized as sio says). It
// returns the command's exit code; when ctx ends first, the attachment is
// cut (the engine cannot end an exec'd process: it runs on, as under the
// kubelet's dockershim).
func (d *Docker) ExecStream(ctx context.Context, id ContainerID, cmd []string, sio ExecIO) (int, error) {
	if len(cmd) == 0 {
		return 0, errors.New("exec: empty command")
	}
	res, err := d.cli.ContainerInspect(ctx, string(id), client.ContainerInspectOptions{})
	if err != nil {
		return 0, fmt.Errorf("exec in %s: %w", id, d.notFound(id, err))
	}
	if res.Container.State == nil || !res.Container.State.Running {
		return 0, fmt.Errorf("exec in %s: container is not running", id)
	}
	var size client.ConsoleSize
	if sio.TTY && sio.Resize != nil {
		// The client sends its terminal's size first: the command starts
		// with it (a shell that asks at once sees no 0x0 terminal).
		select {
		case first, ok := <-sio.Resize:
			if ok {
				size = client.ConsoleSize{Height: uint(first.Height), Width: uint(first.Width)}
			}
		case <-time.After(firstSizeWait):
		case <-ctx.Done():
			return 0, fmt.Errorf("exec in %s: %w", id, ctx.Err())
		}
	}
	ex, err := d.cli.ExecCreate(ctx, string(id), client.ExecCreateOptions{Cmd: cmd, TTY: sio.TTY, ConsoleSize: size,
		AttachStdin: sio.Stdin != nil, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return 0, fmt.Errorf("exec in %s: %w", id, d.notFound(id, err))
	}
	att, err := d.cli.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{TTY: sio.TTY, ConsoleSize: size})
	if err != nil {
		return 0, fmt.Errorf("exec in %s: %w", id, err)
	}
	defer att.Close()
	stop := context.AfterFunc(ctx, att.Close)
	defer stop()
	if sio.Stdin != nil {
		go func() {
			_, _ = io.Copy(att.Conn, sio.Stdin)
			_ = att.CloseWrite() // the command sees its input end
		}()
	}
	if sio.TTY && sio.Resize != nil {
		go func() {
			for size := range sio.Resize {
				_, _ = d.cli.ExecResize(context.WithoutCancel(ctx), ex.ID, client.ExecResizeOptions{
					Height: uint(size.Height), Width: uint(size.Width)})
			}
		}()
	}
	stdout, stderr := orDiscard(sio.Stdout), orDiscard(sio.Stderr)
	if sio.TTY {
		_, err = io.Copy(stdout, att.Reader)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, att.Reader)
	}
	if ctx.Err() != nil {
		return 0, fmt.Errorf("exec in %s: %w", id, ctx.Err())
	}
	if err != nil {
		return 0, fmt.Errorf("exec in %s: output: %w", id, err)
	}
	return d.execExitCode(ctx, id, ex.ID)
}

// execExitCode waits for exec execID to have ended and returns its exit
// code: the output ends as the process does, and the engine may record the
// exit code a moment later.
func (d *Docker) execExitCode(ctx context.Context, id ContainerID, execID string) (int, error) {
	for {
		st, err := d.cli.ExecInspect(ctx, execID, client.ExecInspectOptions{})
		if err != nil {
			return 0, fmt.Errorf("exec in %s: %w", id, err)
		}
		if !st.Running {
			return st.ExitCode, nil
		}
		select {
		case <-ctx.Done():
			return 0, fmt.Errorf("exec in %s: %w", id, ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
}

var _ StreamAttacher = (*Docker)(nil)

// AttachStream attaches sio to the container's own streams (its stdin only
// if the container has one open); it returns when the container's output
// ends (it exited, or closed its stdin under stdinOnce) or ctx does.
func (d *Docker) AttachStream(ctx context.Context, id ContainerID, sio ExecIO) error {
	res, err := d.cli.ContainerInspect(ctx, string(id), client.ContainerInspectOptions{})
	if err != nil {
		return fmt.Errorf("attach to %s: %w", id, d.notFound(id, err))
	}
	if res.Container.State == nil || !res.Container.State.Running {
		return fmt.Errorf("attach to %s: container is not running", id)
	}
	tty := res.Container.Config != nil && res.Container.Config.Tty
	stdin := sio.Stdin != nil && res.Container.Config != nil && res.Container.Config.OpenStdin
	att, err := d.cli.ContainerAttach(ctx, string(id), client.ContainerAttachOptions{Stream: true, Stdin: stdin, Stdout: true, Stderr: true})
	if err != nil {
		return fmt.Errorf("attach to %s: %w", id, err)
	}
	defer att.Close()
	stop := context.AfterFunc(ctx, att.Close)
	defer stop()
	if stdin {
		go func() {
			_, _ = io.Copy(att.Conn, sio.Stdin)
			_ = att.CloseWrite()
		}()
	}
	if tty && sio.Resize != nil {
		go func() {
			for size := range sio.Resize {
				_, _ = d.cli.ContainerResize(context.WithoutCancel(ctx), string(id), client.ContainerResizeOptions{
					Height: uint(size.Height), Width: uint(size.Width)})
			}
		}()
	}
	stdout, stderr := orDiscard(sio.Stdout), orDiscard(sio.Stderr)
	if tty {
		_, err = io.Copy(stdout, att.Reader)
	} else {
		_, err = stdcopy.StdCopy(stdout, stderr, att.Reader)
	}
	if ctx.Err() != nil {
		return nil // the client detached
	}
	if err != nil {
		return fmt.Errorf("attach to %s: %w", id, err)
	}
	return nil
}
