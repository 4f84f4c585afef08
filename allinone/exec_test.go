package allinone_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
	corev1 "k8s.io/api/core/v1"
)

// kubectlRun runs kubectl with stdin and returns its stdout, stderr and
// exit code (an exit code is an answer here, not a failure).
func kubectlRun(t testing.TB, c *allinone.Cluster, stdin string, args ...string) (string, string, int) {
	t.Helper()
	return kubectlRunEnv(t, c, nil, stdin, args...)
}

// kubectlRunEnv is kubectlRun with env added to kubectl's environment.
func kubectlRunEnv(t testing.TB, c *allinone.Cluster, env []string, stdin string, args ...string) (string, string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	cmd.Stdin = strings.NewReader(stdin)
	var out, errOut strings.Builder
	cmd.Stdout, cmd.Stderr = &out, &errOut
	err := cmd.Run()
	var exitErr *exec.ExitError
	if err != nil && !errors.As(err, &exitErr) {
		t.Fatalf("kubectl %s: %v", strings.Join(args, " "), err)
	}
	return out.String(), errOut.String(), cmd.ProcessState.ExitCode()
}

// startDockerBox runs a Docker cluster with one toolbox pod, box, that
// sleeps, and waits until it is ready.
func startDockerBox(t *testing.T) *allinone.Cluster {
	t.Helper()
	cli := dockertest.Engine(t)
	dockertest.Toolbox(t)
	node := dockertest.NodeName(t)
	dockertest.RemoveNodeContainers(t, cli, node)
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: t.TempDir(), GatewayAddr: "127.0.0.1:0",
		NATSPort: -1, Runtime: "docker", NodeName: node, IngressAddr: "-"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	kubectl(t, c, "run", "box", "--image=jetplane/toolbox:1", "--image-pull-policy=Never", "--", "sleep", "3600")
	eventstest.Eventually(t, 60*time.Second, func() error {
		var p corev1.Pod
		getJSON(t, c, &p, "pod", "box")
		if !isReady(&p) {
			return fmt.Errorf("box is %s", p.Status.Phase)
		}
		return nil
	})
	return c
}

// kubectl exec into a real container, through the gateway, NATS and the
// node agent: the command's output and exit code, stdin, and the errors
// kube-apiserver gives for a container that does not exist.
func TestDockerKubectlExec(t *testing.T) {
	c := startDockerBox(t)

	out, errOut, code := kubectlRun(t, c, "", "exec", "box", "--", "sh", "-c", "echo $HOSTNAME; echo oops >&2; exit 3")
	if out != "box\n" || code != 3 || !strings.Contains(errOut, "oops") || !strings.Contains(errOut, "command terminated with exit code 3") {
		t.Fatalf("exec: stdout %q, stderr %q, exit %d", out, errOut, code)
	}
	// The log records who entered the pod and what they ran.
	eventstest.Eventually(t, 10*time.Second, func() error {
		status, body := api(t, c, "GET", jetplaneapi.HistoryObjectPath("pods", "default", "box"), nil)
		var h jetplaneapi.History
		if err := json.Unmarshal(body, &h); status != http.StatusOK || err != nil {
			return fmt.Errorf("history: %d %s", status, body)
		}
		for _, s := range h.Sessions {
			if s.Kind == events.SessionExec && s.User == "admin" && s.Container == "box" && s.Exited && s.ExitCode == 3 &&
				s.Transport == "websocket" && // kubectl's default: WebSocket v5
				strings.Join(s.Command, " ") == "sh -c echo $HOSTNAME; echo oops >&2; exit 3" && s.BytesOut == int64(len("box\noops\n")) &&
				!s.End.Before(s.Start) {
				return nil
			}
		}
		return fmt.Errorf("no record of the exec in %+v", h.Sessions)
	})
	out, _, code = kubectlRun(t, c, "hello through stdin\n", "exec", "-i", "box", "--", "sh", "-c", "tr a-z A-Z")
	if out != "HELLO THROUGH STDIN\n" || code != 0 {
		t.Fatalf("exec -i: %q, exit %d", out, code)
	}
	// The same over SPDY, which kubectl speaks when told to (and older
	// kubectls always).
	spdy := []string{"KUBECTL_REMOTE_COMMAND_WEBSOCKETS=false"}
	out, errOut, code = kubectlRunEnv(t, c, spdy, "over spdy\n", "exec", "-i", "box", "--", "sh", "-c", "tr a-z A-Z; exit 6")
	if out != "OVER SPDY\n" || code != 6 || !strings.Contains(errOut, "command terminated with exit code 6") {
		t.Fatalf("exec -i over SPDY: %q %q, exit %d", out, errOut, code)
	}
	sessionRecorded(t, c, "box", func(s events.PodSessionRecord) bool {
		return s.Transport == "spdy" && s.ExitCode == 6 && s.BytesIn == int64(len("over spdy\n"))
	})
	big := strings.Repeat("0123456789abcdef", 1<<16) // 1 MiB through stdin and back
	out, _, code = kubectlRun(t, c, big, "exec", "-i", "box", "--", "cat")
	if out != big || code != 0 {
		t.Fatalf("1 MiB through cat: %d bytes back, exit %d", len(out), code)
	}
	// -it under a pseudo-terminal (script): the command gets a terminal.
	// (Its size is passed on, but busybox's stty cannot read it back inside
	// docker exec here, with or without Jetplane: not asserted.)
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	term := exec.CommandContext(ctx, "script", "-qec", "stty rows 33 cols 101; kubectl --kubeconfig "+c.Kubeconfig+
		" exec -it box -- sh -c 'tty; exit 4'; echo kubectl=$?", "/dev/null")
	tout, err := term.CombinedOutput()
	if err != nil || !strings.Contains(string(tout), "/dev/pts/") ||
		!strings.Contains(string(tout), "kubectl=4") {
		t.Fatalf("exec -it under a terminal: %v\n%s", err, tout)
	}
	// kubectl run -i attaches to the new container's own stdin and output.
	out, errOut, code = kubectlRun(t, c, "hello\n", "run", "-i", "--rm", "att", "--image=jetplane/toolbox:1",
		"--image-pull-policy=Never", "--restart=Never", "--", "sh", "-c", "read x; echo got $x")
	if !strings.Contains(out, "got hello") || code != 0 {
		t.Fatalf("kubectl run -i: %q %q exit %d", out, errOut, code)
	}
	// kubectl cp both ways (tar through exec): 50 MB, same sha256.
	dir := t.TempDir()
	payload := make([]byte, 50<<20)
	_, _ = rand.Read(payload)
	if err := os.WriteFile(filepath.Join(dir, "big"), payload, 0o644); err != nil {
		t.Fatal(err)
	}
	kubectl(t, c, "cp", filepath.Join(dir, "big"), "box:/big")
	kubectl(t, c, "cp", "box:/big", filepath.Join(dir, "back"))
	back, err := os.ReadFile(filepath.Join(dir, "back"))
	if err != nil {
		t.Fatal(err)
	}
	if sha256.Sum256(back) != sha256.Sum256(payload) {
		t.Fatalf("kubectl cp round trip: %d bytes back, sha256 differs", len(back))
	}
	// kubectl top: Docker's stats of the container.
	eventstest.Eventually(t, 30*time.Second, func() error {
		out, errOut, code := kubectlRun(t, c, "", "top", "pod", "box", "--containers", "--no-headers")
		if f := strings.Fields(out); code != 0 || len(f) != 4 || f[1] != "box" || f[3] == "0Mi" {
			return fmt.Errorf("kubectl top pod box: %q %q", out, errOut)
		}
		return nil
	})
	_, errOut, code = kubectlRun(t, c, "", "exec", "box", "-c", "nope", "--", "true")
	if code == 0 || !strings.Contains(errOut, "container nope is not valid for pod box") {
		t.Fatalf("exec into a missing container: %q, exit %d", errOut, code)
	}
	_, errOut, code = kubectlRun(t, c, "", "exec", "ghost", "--", "true")
	if code == 0 || !strings.Contains(errOut, `pods "ghost" not found`) {
		t.Fatalf("exec into a missing pod: %q, exit %d", errOut, code)
	}
}

// sessionRecorded waits until pod's history holds a session record that
// match accepts.
func sessionRecorded(t *testing.T, c *allinone.Cluster, pod string, match func(events.PodSessionRecord) bool) {
	t.Helper()
	eventstest.Eventually(t, 10*time.Second, func() error {
		status, body := api(t, c, "GET", jetplaneapi.HistoryObjectPath("pods", "default", pod), nil)
		var h jetplaneapi.History
		if err := json.Unmarshal(body, &h); status != http.StatusOK || err != nil {
			return fmt.Errorf("history: %d %s", status, body)
		}
		for _, s := range h.Sessions {
			if match(s) {
				return nil
			}
		}
		return fmt.Errorf("no such session record in %+v", h.Sessions)
	})
}

// On the process runtime, kubectl exec runs the command as a host process
// in the pod's environment and image directory, as the pod's user.
func TestProcessKubectlExec(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	kubectl(t, c, "run", "hello", "--image=jetplane/hello:1")
	eventstest.Eventually(t, 60*time.Second, func() error {
		var p corev1.Pod
		getJSON(t, c, &p, "pod", "hello")
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("hello is %s", p.Status.Phase)
		}
		return nil
	})
	out, errOut, code := kubectlRun(t, c, "piped\n", "exec", "-i", "hello", "--", "sh", "-c", `echo "$HOSTNAME $POD_IP"; cat; exit 5`)
	var p corev1.Pod
	getJSON(t, c, &p, "pod", "hello")
	if out != "hello "+p.Status.PodIP+"\npiped\n" || code != 5 || !strings.Contains(errOut, "command terminated with exit code 5") {
		t.Fatalf("exec: %q %q exit %d", out, errOut, code)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	term, _ := exec.CommandContext(ctx, "script", "-qec", "kubectl --kubeconfig "+c.Kubeconfig+
		" exec -it hello -- sh -c true; echo kubectl=$?", "/dev/null").CombinedOutput()
	if !strings.Contains(string(term), "no terminals (tty)") || strings.Contains(string(term), "kubectl=0") {
		t.Fatalf("exec -it on the process runtime, want a clear refusal:\n%s", term)
	}
}

// kubectl port-forward through the gateway, NATS and the node agent: 200
// concurrent connections, each its own session, all answered by the pod;
// and the pod proxy over the same path.
func TestDockerKubectlPortForward(t *testing.T) {
	cli := dockertest.Engine(t)
	dockertest.HelloImages(t, "1")
	node := dockertest.NodeName(t)
	dockertest.RemoveNodeContainers(t, cli, node)
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: t.TempDir(), GatewayAddr: "127.0.0.1:0",
		NATSPort: -1, Runtime: "docker", NodeName: node, IngressAddr: "-"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	kubectlIn(t, c, strings.Replace(dockerHello, "replicas: 3", "replicas: 1", 1), "apply", "-f", "-")
	pods := dockerPods(t, c, cli, 1)
	// The API's pod proxy reaches the pod through the same sessions.
	if got := kubectl(t, c, "get", "--raw", "/api/v1/namespaces/default/pods/"+pods[0].Name+":8080/proxy/hi/pp"); got != "Hello World pp!!" {
		t.Fatalf("pod proxy: %q", got)
	}
	if got := kubectl(t, c, "get", "--raw", "/api/v1/namespaces/default/pods/"+pods[0].Name+":http/proxy/hi/named"); got != "Hello World named!!" {
		t.Fatalf("pod proxy on a named port: %q", got)
	}
	port := freePortNumber(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	lines := kubectlLines(t, ctx, c, "port-forward", "pod/"+pods[0].Name, fmt.Sprintf("%d:8080", port))
	select {
	case l := <-lines:
		if !strings.Contains(l, "Forwarding from") {
			t.Fatalf("kubectl port-forward: %s", l)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("kubectl port-forward did not start")
	}
	client := &http.Client{Timeout: 20 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		go func() {
			res, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/hi/f%d", port, i))
			if err != nil {
				errs <- err
				return
			}
			defer res.Body.Close()
			body, _ := io.ReadAll(res.Body)
			if want := fmt.Sprintf("Hello World f%d!!", i); string(body) != want {
				errs <- fmt.Errorf("request %d: %q", i, body)
				return
			}
			errs <- nil
		}()
	}
	failed := 0
	for i := 0; i < 200; i++ {
		if err := <-errs; err != nil {
			failed++
			t.Log(err)
		}
	}
	if failed > 0 {
		t.Fatalf("%d of 200 concurrent requests through kubectl port-forward failed", failed)
	}
	// kubectl's default carried them: SPDY inside a WebSocket.
	sessionRecorded(t, c, pods[0].Name, func(s events.PodSessionRecord) bool {
		return s.Kind == events.SessionPortForward && s.Transport == "websocket" && s.Port == 8080 && s.BytesOut > 0
	})
	// Plain SPDY, as older kubectls speak it, with two ports at once.
	spdyPort := freePortNumber(t)
	spdyLines := kubectlLinesEnv(t, ctx, c, []string{"KUBECTL_PORT_FORWARD_WEBSOCKETS=false"}, "port-forward", "pod/"+pods[0].Name,
		fmt.Sprintf("%d:8080", spdyPort), fmt.Sprintf("%d:8080", freePortNumber(t)))
	select {
	case l := <-spdyLines:
		if !strings.Contains(l, "Forwarding from") {
			t.Fatalf("kubectl port-forward over SPDY: %s", l)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("kubectl port-forward over SPDY did not start")
	}
	res, err := client.Get(fmt.Sprintf("http://127.0.0.1:%d/hi/spdy", spdyPort))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(res.Body)
	res.Body.Close()
	if string(body) != "Hello World spdy!!" {
		t.Fatalf("through port-forward over SPDY: %q", body)
	}
	sessionRecorded(t, c, pods[0].Name, func(s events.PodSessionRecord) bool {
		return s.Kind == events.SessionPortForward && s.Transport == "spdy" && s.BytesOut > 0
	})
}

func freePortNumber(t testing.TB) int {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().(*net.TCPAddr).Port
}
