package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
	"github.com/moby/moby/client"
)

func toolSpec(node, pod string, args ...string) runtime.ContainerSpec {
	return runtime.ContainerSpec{PodUID: node + "-" + pod, Namespace: "default", PodName: pod, Name: "tool",
		Image: dockertest.ToolImage, Args: args}
}

// exited waits until the container has ended and returns its state.
func exited(t *testing.T, rt runtime.Runtime, id runtime.ContainerID) runtime.ContainerState {
	t.Helper()
	var st runtime.ContainerState
	eventstest.Eventually(t, 30*time.Second, func() error {
		var err error
		if st, err = rt.Status(context.Background(), id); err != nil {
			return err
		}
		if st.Phase != runtime.Exited {
			return fmt.Errorf("state %+v", st)
		}
		return nil
	})
	return st
}

func TestDockerExitCodesGraceAndOOM(t *testing.T) {
	var out lines
	rt, cli, node := dockerNode(t, out.sink)
	dockertest.Tool(t)
	ctx := context.Background()

	// Args replace the image's CMD and follow its entrypoint.
	id, err := rt.Start(ctx, toolSpec(node, "exit3", "exit", "3"))
	if err != nil {
		t.Fatal(err)
	}
	if st := exited(t, rt, id); st.ExitCode != 3 || st.Reason != "Error" {
		t.Fatalf("exit 3: %+v", st)
	}
	// Command replaces the entrypoint; an executable missing from the image
	// cannot start, and nothing is left of the attempt.
	_, err = rt.Start(ctx, runtime.ContainerSpec{PodUID: node + "-nope", Namespace: "default", PodName: "nope",
		Name: "tool", Image: dockertest.ToolImage, Command: []string{"/no-such-binary"}})
	var se *runtime.StartError
	if !errors.As(err, &se) || se.Reason != "RunContainerError" {
		t.Fatalf("missing executable: %v", err)
	}

	// A container ignoring SIGTERM is killed at the end of its grace.
	id, err = rt.Start(ctx, toolSpec(node, "stubborn", "ignore-term"))
	if err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 10*time.Second, func() error { return out.has("stubborn/tool/0/stdout: ignoring SIGTERM") })
	if err := rt.Stop(ctx, id, 300*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if st, _ := rt.Status(ctx, id); st.Phase != runtime.Exited || st.ExitCode != 137 || st.Reason != "Error" {
		t.Fatalf("after grace: %+v", st)
	}

	// One that honours it ends within its grace, and its last words ship.
	id, err = rt.Start(ctx, toolSpec(node, "polite", "sleep"))
	if err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 10*time.Second, func() error { return out.has("polite/tool/0/stdout: sleeping") })
	if err := rt.Stop(ctx, id, time.Minute); err != nil {
		t.Fatal(err)
	}
	if st, _ := rt.Status(ctx, id); st.ExitCode != 0 || st.Reason != "Completed" {
		t.Fatalf("polite stop: %+v", st)
	}
	eventstest.Eventually(t, 10*time.Second, func() error { return out.has("polite/tool/0/stdout: terminated") })

	// Killed from outside (docker kill): 128+9.
	id, err = rt.Start(ctx, toolSpec(node, "victim", "sleep"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := cli.ContainerKill(ctx, string(id), client.ContainerKillOptions{Signal: "SIGKILL"}); err != nil {
		t.Fatal(err)
	}
	if st := exited(t, rt, id); st.ExitCode != 137 || st.Reason != "Error" {
		t.Fatalf("killed: %+v", st)
	}

	// Over its memory limit: OOMKilled.
	spec := toolSpec(node, "hog", "alloc", "256")
	spec.MemoryBytes = 32 << 20
	id, err = rt.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	if st := exited(t, rt, id); st.ExitCode != 137 || st.Reason != "OOMKilled" {
		t.Fatalf("over the memory limit: %+v", st)
	}
	list, err := rt.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	reasons := map[string]string{}
	for _, c := range list {
		reasons[c.Spec.PodName] = fmt.Sprintf("%s/%d/%s", c.State.Phase, c.State.ExitCode, c.State.Reason)
	}
	want := map[string]string{"exit3": "exited/3/Error", "stubborn": "exited/137/Error", "polite": "exited/0/Completed",
		"victim": "exited/137/Error", "hog": "exited/137/OOMKilled"}
	if fmt.Sprint(reasons) != fmt.Sprint(want) {
		t.Fatalf("list: %v, want %v", reasons, want)
	}
}

func TestDockerExec(t *testing.T) {
	rt, _, node := dockerNode(t, nil)
	dockertest.Tool(t)
	ctx := context.Background()
	spec := toolSpec(node, "exec", "sleep")
	spec.Env = []runtime.EnvVar{{Name: "GREETING", Value: "hi"}}
	id, err := rt.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		cmd  []string
		exit int
		out  string // a part of the output
		err  bool
	}{
		{"success", []string{"/tool", "exit", "0"}, 0, "", false},
		{"exit code", []string{"/tool", "exit", "3"}, 3, "", false},
		{"the container's environment", []string{"/tool", "env", "GREETING"}, 0, "hi", false},
		{"stdout and stderr", []string{"/tool", "echo", "oops"}, 0, "err: oops", false},
		{"no such command", []string{"/no-such-command"}, 0, "", true},
		{"empty command", nil, 0, "", true},
	}
	for _, c := range cases {
		res, err := rt.Exec(ctx, id, c.cmd)
		switch {
		case c.err:
			if err == nil {
				t.Errorf("%s: no error, exit %d output %q", c.name, res.ExitCode, res.Output)
			}
		case err != nil:
			t.Errorf("%s: %v", c.name, err)
		case res.ExitCode != c.exit || !strings.Contains(string(res.Output), c.out):
			t.Errorf("%s: exit %d output %q, want %d containing %q", c.name, res.ExitCode, res.Output, c.exit, c.out)
		}
	}
	// Output is bounded as the kubelet bounds a probe's (10 KiB).
	res, err := rt.Exec(ctx, id, []string{"/tool", "print", "100000"})
	if err != nil || res.ExitCode != 0 || len(res.Output) != 10<<10 {
		t.Fatalf("large output: %d bytes, exit %d, %v", len(res.Output), res.ExitCode, err)
	}
	// The probe's timeout ends the wait.
	tctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := rt.Exec(tctx, id, []string{"/tool", "sleep"}); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("hanging command: %v", err)
	}
	// Unknown and ended containers.
	if _, err := rt.Exec(ctx, "0123456789ab", []string{"/tool"}); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("unknown container: %v", err)
	}
	if err := rt.Stop(ctx, id, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Exec(ctx, id, []string{"/tool"}); err == nil || !strings.Contains(err.Error(), "not running") {
		t.Fatalf("exec in an ended container: %v", err)
	}
}

// The securityContext's runAsUser and runAsGroup are who the container
// runs as; without them, the image's user (root in a scratch image).
func TestDockerRunsAsTheSecurityContextUser(t *testing.T) {
	var out lines
	rt, _, node := dockerNode(t, out.sink)
	dockertest.Tool(t)
	ctx := context.Background()
	uid, gid := int64(1234), int64(5678)
	as := toolSpec(node, "as", "id")
	as.RunAsUser, as.RunAsGroup = &uid, &gid
	plain := toolSpec(node, "plain", "id")
	for _, spec := range []runtime.ContainerSpec{as, plain} {
		id, err := rt.Start(ctx, spec)
		if err != nil {
			t.Fatal(err)
		}
		exited(t, rt, id)
	}
	eventstest.Eventually(t, 10*time.Second, func() error { return out.has("as/tool/0/stdout: uid=1234 gid=5678") })
	eventstest.Eventually(t, 10*time.Second, func() error { return out.has("plain/tool/0/stdout: uid=0 gid=0") })
}
