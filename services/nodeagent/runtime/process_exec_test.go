package runtime

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/runtimetest"
)

func TestProcessExec(t *testing.T) {
	dir := images(t)
	rt, err := NewProcess(ProcessConfig{ImagesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id, err := rt.Start(ctx, ContainerSpec{PodUID: "pod-exec", Namespace: "default", PodName: "exec", Name: "main",
		Image: "jetplane/hello:1", Command: []string{"sh", "-c"}, Args: []string{"trap 'exit 0' TERM; while :; do sleep 1; done"},
		PodIP: "127.0.0.9", Env: []EnvVar{{"GREETING", "hi"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Stop(ctx, id, 0) })
	imageDir := filepath.Dir(filepath.Join(dir, "jetplane/hello/1/entrypoint"))

	cases := []struct {
		name string
		cmd  []string
		exit int
		out  string // a part of the output
		err  error  // matched with errors.Is; nil: no error
		any  bool   // some error, not a specific one
	}{
		{"success", []string{"true"}, 0, "", nil, false},
		{"exit code", []string{"sh", "-c", "exit 3"}, 3, "", nil, false},
		{"the container's environment", []string{"sh", "-c", "echo $POD_IP $GREETING $HOSTNAME"}, 0, "127.0.0.9 hi exec", nil, false},
		{"in the image directory", []string{"pwd"}, 0, imageDir, nil, false},
		{"stderr too", []string{"sh", "-c", "echo oops >&2; exit 1"}, 1, "oops", nil, false},
		{"a relative path is in the image directory", []string{"./nope"}, 0, "", nil, true},
		{"no such command", []string{"no-such-command-here"}, 0, "", nil, true},
		{"empty command", nil, 0, "", nil, true},
	}
	for _, c := range cases {
		res, err := rt.Exec(ctx, id, c.cmd)
		switch {
		case c.any || c.err != nil:
			if err == nil || (c.err != nil && !errors.Is(err, c.err)) {
				t.Errorf("%s: err %v, want %v", c.name, err, c.err)
			}
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
		case res.ExitCode != c.exit || !strings.Contains(string(res.Output), c.out):
			t.Errorf("%s: exit %d output %q, want %d containing %q", c.name, res.ExitCode, res.Output, c.exit, c.out)
		}
	}

	// Output is bounded as the kubelet bounds a probe's.
	res, err := rt.Exec(ctx, id, []string{"head", "-c", "100000", "/dev/zero"})
	if err != nil || res.ExitCode != 0 || len(res.Output) != maxExecOutput {
		t.Fatalf("large output: %d bytes, exit %d, %v", len(res.Output), res.ExitCode, err)
	}

	// The probe's timeout ends a command that hangs.
	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := rt.Exec(tctx, id, []string{"sleep", "60"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hanging command: %v", err)
	}
	// ...and its children, which hold its output open.
	pidFile := filepath.Join(runtimetest.SharedDir(t), "child")
	tctx, cancel = context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	done := make(chan error, 1)
	go func() {
		_, err := rt.Exec(tctx, id, []string{"sh", "-c", "sleep 60 & echo $! > " + pidFile + "; wait"})
		done <- err
	}()
	eventstest.Eventually(t, 10*time.Second, func() error {
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("hanging command with a child: %v", err)
			}
			return nil
		default:
			return errors.New("exec has not returned after its timeout")
		}
	})
	eventstest.Eventually(t, 5*time.Second, func() error { return gone(pidFile) })

	// Unknown and ended containers.
	if _, err := rt.Exec(ctx, "nope", []string{"true"}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown container: %v", err)
	}
	if err := rt.Stop(ctx, id, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 5*time.Second, func() error {
		st, err := rt.Status(ctx, id)
		if err != nil || st.Phase != Exited {
			return errors.Join(errors.New("still running"), err)
		}
		return nil
	})
	if _, err := rt.Exec(ctx, id, []string{"true"}); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("exec in an ended container: %v", err)
	}
}

// gone reports whether the process whose pid is in file has ended.
func gone(file string) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		return err
	}
	if syscall.Kill(pid, 0) == nil {
		return fmt.Errorf("process %d still alive", pid)
	}
	return nil
}
