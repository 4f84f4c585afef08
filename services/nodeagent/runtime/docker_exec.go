package runtime

import (
	"bytes"
	"context"
	"errors"
	"fmt"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// Exec runs cmd in the container through the engine's exec API and keeps
// the first maxExecOutput bytes of its output. When ctx ends first Exec
// returns ctx's error; the engine has no way to end an exec'd process, so
// it runs on (as under the kubelet's dockershim).
func (d *Docker) Exec(ctx context.Context, id ContainerID, cmd []string) (ExecResult, error) {
	if len(cmd) == 0 {
		return ExecResult{}, errors.New("exec: empty command")
	}
	res, err := d.cli.ContainerInspect(ctx, string(id), client.ContainerInspectOptions{})
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %s: %w", id, d.notFound(id, err))
	}
	if res.Container.State == nil || !res.Container.State.Running {
		return ExecResult{}, fmt.Errorf("exec in %s: container is not running", id)
	}
	ex, err := d.cli.ExecCreate(ctx, string(id), client.ExecCreateOptions{Cmd: cmd, AttachStdout: true, AttachStderr: true})
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %s: %w", id, d.notFound(id, err))
	}
	att, err := d.cli.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
	if err != nil {
		return ExecResult{}, fmt.Errorf("exec in %s: %w", id, err)
	}
	defer att.Close()
	var out boundedBuffer
	copied := make(chan error, 1)
	go func() {
		_, err := stdcopy.StdCopy(&out, &out, att.Reader)
		copied <- err
	}()
	select {
	case err := <-copied:
		if err != nil && ctx.Err() == nil {
			return ExecResult{}, fmt.Errorf("exec in %s: output: %w", id, err)
		}
	case <-ctx.Done():
		att.Close()
		<-copied
		return ExecResult{}, fmt.Errorf("exec in %s: %w", id, ctx.Err())
	}
	code, err := d.execExitCode(ctx, id, ex.ID)
	if err != nil {
		return ExecResult{}, err
	}
	if (code == 126 || code == 127) && bytes.HasPrefix(out.Bytes(), []byte("OCI runtime exec failed")) {
		// The engine could not start the command at all (no such
		// executable): an error, as the process runtime reports it.
		return ExecResult{}, fmt.Errorf("exec in %s: %s", id, bytes.TrimSpace(out.Bytes()))
	}
	return ExecResult{ExitCode: code, Output: out.Bytes()}, nil
}
