package runtime_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jetplane/jetplane/deploy/toolbox"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
	"github.com/moby/moby/client"
)

// dockerNode is a Docker runtime for a node of the test's own, whose
// containers are removed when the test ends.
func dockerNode(t *testing.T, sink runtime.LogSink) (*runtime.Docker, *client.Client, string) {
	t.Helper()
	cli := dockertest.Engine(t)
	node := dockertest.NodeName(t)
	dockertest.RemoveNodeContainers(t, cli, node)
	return newDocker(t, node, sink), cli, node
}

func newDocker(t *testing.T, node string, sink runtime.LogSink) *runtime.Docker {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	rt, err := runtime.NewDocker(ctx, runtime.DockerConfig{Node: node, Logs: sink})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.Close() })
	return rt
}

// lines collects what a LogSink receives.
type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) sink(spec runtime.ContainerSpec, stream, line string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, fmt.Sprintf("%s/%s/%d/%s: %s", spec.PodName, spec.Name, spec.Attempt, stream, line))
}

func (l *lines) count(s string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, x := range l.all {
		if strings.Contains(x, s) {
			n++
		}
	}
	return n
}

func (l *lines) has(s string) error {
	if l.count(s) == 0 {
		l.mu.Lock()
		defer l.mu.Unlock()
		return fmt.Errorf("no line with %q in %q", s, l.all)
	}
	return nil
}

func hi(ip, name string) error {
	resp, err := http.Get("http://" + ip + ":8080/hi/" + name)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if want := "Hello World " + name + "!!"; string(body) != want {
		return fmt.Errorf("answer %q, want %q", body, want)
	}
	return nil
}

func helloSpec(uid, pod string) runtime.ContainerSpec {
	return runtime.ContainerSpec{PodUID: uid, Namespace: "default", PodName: pod, Name: "hello",
		Image: "jetplane/hello:1", Ports: []runtime.Port{{ContainerPort: 8080, Protocol: "TCP"}}}
}

func TestDockerRunsHelloOnItsPodIP(t *testing.T) {
	var out lines
	rt, cli, node := dockerNode(t, out.sink)
	dockertest.HelloImages(t, "1")
	ctx := context.Background()
	if rt.Name() != "docker" || rt.Version() == "" {
		t.Fatalf("name %q version %q", rt.Name(), rt.Version())
	}
	// Pod UIDs are the node's: other test processes may share the engine.
	uid := node + "-hello"
	ip, err := rt.RunPodSandbox(ctx, runtime.PodRef{UID: uid, Namespace: "default", Name: "hello"})
	if err != nil || ip == "" {
		t.Fatalf("sandbox: %q %v", ip, err)
	}
	if again, err := rt.AllocateIP(uid, "", nil); again != ip || err != nil {
		t.Fatalf("the pod's address changed: %q then %q (%v)", ip, again, err)
	}
	spec := helloSpec(uid, "hello")
	spec.PodIP = ip
	spec.Env = []runtime.EnvVar{{Name: "GREETING", Value: "hi"}}
	spec.CPUMilli, spec.MemoryBytes = 250, 64<<20
	id, err := rt.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 20*time.Second, func() error { return hi(ip, "x") })
	eventstest.Eventually(t, 10*time.Second, func() error { return out.has("hello/hello/0/stdout: ") })
	eventstest.Eventually(t, 10*time.Second, func() error { return out.has("GET /hi/x") })

	// Limits, labels, the shared network and the host name, as the engine has them.
	res, err := cli.ContainerInspect(ctx, string(id), client.ContainerInspectOptions{})
	if err != nil {
		t.Fatal(err)
	}
	c := res.Container
	if c.HostConfig.NanoCPUs != 250_000_000 || c.HostConfig.Memory != 64<<20 {
		t.Errorf("limits: cpu %d memory %d", c.HostConfig.NanoCPUs, c.HostConfig.Memory)
	}
	if !strings.HasPrefix(string(c.HostConfig.NetworkMode), "container:") {
		t.Errorf("network mode %q", c.HostConfig.NetworkMode)
	}
	for k, v := range map[string]string{runtime.LabelNode: node, runtime.LabelPodUID: uid,
		runtime.LabelPodNamespace: "default", runtime.LabelPodName: "hello", runtime.LabelContainer: "hello",
		runtime.LabelAttempt: "0"} {
		if c.Config.Labels[k] != v {
			t.Errorf("label %s = %q, want %q", k, c.Config.Labels[k], v)
		}
	}
	if c.Config.Hostname != "hello" {
		t.Errorf("host name %q, want the pod's name", c.Config.Hostname)
	}
	if !contains(c.Config.Env, "GREETING=hi") {
		t.Errorf("env %q", c.Config.Env)
	}

	list, err := rt.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 1 || list[0].ID != id || list[0].State.Phase != runtime.Running || list[0].State.StartedAt.IsZero() ||
		!strings.HasPrefix(list[0].ImageID, "sha256:") || list[0].Spec.PodIP != ip || list[0].Spec.Env[0].Value != "hi" ||
		list[0].Spec.MemoryBytes != 64<<20 {
		t.Fatalf("list: %+v", list)
	}

	if err := rt.Stop(ctx, id, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	st, err := rt.Status(ctx, id)
	// hello exits cleanly on SIGTERM.
	if err != nil || st.Phase != runtime.Exited || st.ExitCode != 0 || st.Reason != "Completed" || st.FinishedAt.IsZero() {
		t.Fatalf("after stop: %+v %v", st, err)
	}
	eventstest.Eventually(t, 10*time.Second, func() error { return out.has("hello 1 stopped") })
	if err := hi(ip, "x"); err == nil {
		t.Fatal("still answering after Stop")
	}
	if err := rt.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Status(ctx, id); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("after remove: %v", err)
	}
	if err := rt.Stop(ctx, id, 0); !errors.Is(err, runtime.ErrNotFound) {
		t.Fatalf("stop after remove: %v", err)
	}
	rt.ReleaseIP(uid)
	left, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", runtime.LabelNode+"="+node)})
	if err != nil || len(left.Items) != 0 {
		t.Fatalf("after ReleaseIP the node still has %d containers (%v)", len(left.Items), err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// A missing image is ErrImageNeverPull under pull policy Never and
// ErrImagePull otherwise (nothing is pulled: there is no registry), as the
// kubelet reports them.
func TestDockerMissingImageIsErrImagePullOrNeverPull(t *testing.T) {
	rt, cli, node := dockerNode(t, nil)
	for _, c := range []struct{ policy, reason, message string }{
		{"Never", "ErrImageNeverPull", `Container image "jetplane/nope:3" is not present with pull policy of Never`},
		{"IfNotPresent", "ErrImagePull", `Failed to pull image "jetplane/nope:3": not present on the node, and this node pulls from no registry (build it on the node)`},
		{"Always", "ErrImagePull", `Failed to pull image "jetplane/nope:3": not present on the node, and this node pulls from no registry (build it on the node)`},
	} {
		_, err := rt.Start(context.Background(), runtime.ContainerSpec{PodUID: node + "-nope", Namespace: "default",
			PodName: "nope", Name: "c", Image: "jetplane/nope:3", PullPolicy: c.policy})
		var se *runtime.StartError
		if !errors.As(err, &se) || se.Reason != c.reason || se.Message != c.message || !errors.Is(err, se.Err) {
			t.Fatalf("%s: err = %v", c.policy, err)
		}
	}
	// Nothing was pulled.
	if _, err := cli.ImageInspect(context.Background(), "jetplane/nope:3"); err == nil {
		t.Fatal("the image appeared")
	}
}

// A runtime started after another (an agent restart) adopts the node's
// containers and sandboxes: same IDs, same specs, same pod IP, output
// followed again; another node's containers stay out of sight.
func TestDockerAdoptsContainersOfAnEarlierRuntime(t *testing.T) {
	var before, after lines
	first, cli, node := dockerNode(t, before.sink)
	dockertest.HelloImages(t, "1")
	ctx := context.Background()
	uid := node + "-adopt"
	ip, err := first.RunPodSandbox(ctx, runtime.PodRef{UID: uid, Namespace: "default", Name: "adopt"})
	if err != nil {
		t.Fatal(err)
	}
	spec := helloSpec(uid, "adopt")
	spec.PodIP, spec.Attempt = ip, 2
	id, err := first.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 20*time.Second, func() error { return hi(ip, "first") })
	eventstest.Eventually(t, 10*time.Second, func() error { return before.has("GET /hi/first") })
	want, err := first.List(ctx)
	if err != nil || len(want) != 1 {
		t.Fatalf("first list: %+v %v", want, err)
	}
	first.Close() // the agent's process ends; its containers run on

	other := newDocker(t, dockertest.NodeName(t), nil)
	if l, err := other.List(ctx); err != nil || len(l) != 0 {
		t.Fatalf("another node sees %d containers (%v)", len(l), err)
	}

	second := newDocker(t, node, nil)
	second.SetLogSink(after.sink) // as the agent does, after making its runtime
	got, err := second.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != id || fmt.Sprintf("%+v", got[0]) != fmt.Sprintf("%+v", want[0]) {
		t.Fatalf("adopted %+v, want %+v", got, want)
	}
	if again, err := second.RunPodSandbox(ctx, runtime.PodRef{UID: uid, Namespace: "default", Name: "adopt"}); again != ip || err != nil {
		t.Fatalf("adopted sandbox: %q %v, want %q", again, err, ip)
	}
	// Output written from now on ships through the new runtime, once.
	eventstest.Eventually(t, 10*time.Second, func() error {
		if err := hi(ip, "second"); err != nil {
			return err
		}
		return after.has("adopt/hello/2/stdout: ") // the spec from the labels names the line
	})
	if n := after.count("GET /hi/first"); n != 0 {
		t.Fatalf("output from before the adoption shipped again (%d lines)", n)
	}
	second.List(ctx) // a second listing does not follow twice
	if err := hi(ip, "third"); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 10*time.Second, func() error { return after.has("GET /hi/third") })
	if n := after.count("GET /hi/third"); n != 1 {
		t.Fatalf("line shipped %d times", n)
	}
	if err := second.Stop(ctx, id, 10*time.Second); err != nil {
		t.Fatal(err)
	}
	if err := second.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	second.ReleaseIP(uid)
	left, err := cli.ContainerList(ctx, client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", runtime.LabelNode+"="+node)})
	if err != nil || len(left.Items) != 0 {
		t.Fatalf("orphans: %d containers left (%v)", len(left.Items), err)
	}
}

// When a pod's sandbox dies, its running containers are killed so that
// they restart in a new one, as the kubelet does.
func TestDockerSandboxDeathRestartsThePodsContainers(t *testing.T) {
	rt, cli, node := dockerNode(t, nil)
	dockertest.HelloImages(t, "1")
	ctx := context.Background()
	uid := node + "-sb"
	pod := runtime.PodRef{UID: uid, Namespace: "default", Name: "sb"}
	ip, err := rt.RunPodSandbox(ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	spec := helloSpec(uid, "sb")
	spec.PodIP = ip
	id, err := rt.Start(ctx, spec)
	if err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 20*time.Second, func() error { return hi(ip, "x") })
	sandboxes, err := cli.ContainerList(ctx, client.ContainerListOptions{Filters: make(client.Filters).
		Add("label", runtime.LabelPodUID+"="+uid, runtime.LabelRole+"=sandbox")})
	if err != nil || len(sandboxes.Items) != 1 {
		t.Fatalf("sandboxes: %+v %v", sandboxes.Items, err)
	}
	if _, err := cli.ContainerKill(ctx, sandboxes.Items[0].ID, client.ContainerKillOptions{}); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 20*time.Second, func() error {
		list, err := rt.List(ctx)
		if err != nil {
			return err
		}
		if len(list) != 1 || list[0].ID != id || list[0].State.Phase != runtime.Exited {
			return fmt.Errorf("list %+v", list)
		}
		return nil
	})
	ip2, err := rt.RunPodSandbox(ctx, pod)
	if err != nil {
		t.Fatal(err)
	}
	spec.PodIP, spec.Attempt = ip2, 1
	if _, err := rt.Start(ctx, spec); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 20*time.Second, func() error { return hi(ip2, "again") })
}

// The last line of a container's output is shipped even without a "\n"
// (busybox wget's answer, printf).
func TestDockerShipsALastLineWithoutNewline(t *testing.T) {
	var out lines
	rt, _, node := dockerNode(t, out.sink)
	dockertest.Toolbox(t)
	ctx := context.Background()
	spec := runtime.ContainerSpec{PodUID: node + "-printf", Namespace: "default", PodName: "printf", Name: "box",
		Image: toolbox.Image, Command: []string{"sh", "-c", "echo first; printf last-without-newline"}}
	if _, err := rt.Start(ctx, spec); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 20*time.Second, func() error { return out.has("printf/box/0/stdout: first") })
	eventstest.Eventually(t, 20*time.Second, func() error { return out.has("printf/box/0/stdout: last-without-newline") })
}

// Two Starts of one container attempt at once (a sync racing another)
// make one container, whose output ships once, from its first line: the
// second Start finds it running and does not follow it from "now".
func TestDockerRacingStartsShipEveryLineOnce(t *testing.T) {
	var out lines
	rt, _, node := dockerNode(t, out.sink)
	dockertest.Toolbox(t)
	spec := runtime.ContainerSpec{PodUID: node + "-race", Namespace: "default", PodName: "race", Name: "box",
		Image: toolbox.Image, Command: []string{"sh", "-c", "echo first; echo second; sleep 2; echo last"}}
	ids := make([]runtime.ContainerID, 2)
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ids[i], errs[i] = rt.Start(context.Background(), spec)
		}()
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	if ids[0] != ids[1] {
		t.Fatalf("two containers for one attempt: %s, %s", ids[0], ids[1])
	}
	eventstest.Eventually(t, 20*time.Second, func() error { return out.has("race/box/0/stdout: last") })
	for _, l := range []string{"first", "second", "last"} {
		if n := out.count("race/box/0/stdout: " + l); n != 1 {
			t.Fatalf("%q shipped %d times: %q", l, n, out.all)
		}
	}
}
