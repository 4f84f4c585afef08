package allinone_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
)

// jetplaneBinary builds the jetplane command once per test binary, so the
// client verbs run as a user runs them.
var jetplaneBinary = func() func(t *testing.T) string {
	dir := builtOnce("jetplane-bin-", func(ctx context.Context, dir string) error {
		cmd := exec.CommandContext(ctx, "go", "build", "-o", filepath.Join(dir, "jetplane"), "github.com/jetplane/jetplane/cmd/jetplane")
		if msg, err := cmd.CombinedOutput(); err != nil {
			return fmt.Errorf("go build jetplane: %w\n%s", err, msg)
		}
		return nil
	})
	return func(t *testing.T) string { return filepath.Join(dir(t), "jetplane") }
}()

// runCLI runs a command against the cluster and returns its output and error.
func runCLI(c *allinone.Cluster, timeout time.Duration, name string, args ...string) (string, error) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, name, append([]string{"--kubeconfig", c.Kubeconfig}, args...)...).CombinedOutput()
	return string(out), err
}

// sayHi asks a pod for /hi/name, which the hello app logs.
func sayHi(t *testing.T, podIP, name string) {
	t.Helper()
	if err := hiFrom(podIP, name); err != nil {
		t.Fatal(err)
	}
}

// hiFrom asks the hello app at ip for /hi/name and checks its answer.
func hiFrom(ip, name string) error {
	resp, err := http.Get(fmt.Sprintf("http://%s:8080/hi/%s", ip, name))
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "Hello World "+name+"!!" {
		return fmt.Errorf("%s: /hi/%s answered %q", ip, name, body)
	}
	return nil
}

// containsAll fails unless out holds every want.
func containsAll(out string, wants ...string) error {
	for _, w := range wants {
		if !strings.Contains(out, w) {
			return fmt.Errorf("output lacks %q:\n%s", w, out)
		}
	}
	return nil
}

func TestLogsWithKubectlAndJetplane(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	applyManifest(t, c, "../examples/hello.yaml")
	pod := waitHelloServing(t, c, 3)[0]
	sayHi(t, pod.Status.PodIP, "logs-e2e")
	request := "GET /hi/logs-e2e"

	// kubectl logs POD: the app's start and the request (shipped
	// asynchronously, so polled).
	eventstest.Eventually(t, 30*time.Second, func() error {
		out, err := runCLI(c, 30*time.Second, "kubectl", "logs", pod.Name)
		if err != nil {
			return fmt.Errorf("kubectl logs: %v: %s", err, out)
		}
		return containsAll(out, "hello 1 listening on "+pod.Status.PodIP+":8080", request)
	})
	if out := kubectl(t, c, "logs", pod.Name, "-c", "hello"); containsAll(out, request) != nil {
		t.Fatalf("kubectl logs -c hello:\n%s", out)
	}
	if out := kubectl(t, c, "logs", pod.Name, "--tail", "1"); strings.Count(out, "\n") != 1 || !strings.Contains(out, " GET /") {
		t.Fatalf("kubectl logs --tail 1 printed %q", out)
	}
	for _, line := range strings.Split(strings.TrimSpace(kubectl(t, c, "logs", pod.Name, "--timestamps", "--tail", "3")), "\n") {
		stamp, _, _ := strings.Cut(line, " ")
		if _, err := time.Parse(time.RFC3339Nano, stamp); err != nil {
			t.Fatalf("kubectl logs --timestamps line %q: %v", line, err)
		}
	}
	// kubectl resolves deploy/hello to one of its pods through the API.
	if out := kubectl(t, c, "logs", "deploy/hello"); containsAll(out, "hello 1 listening on") != nil {
		t.Fatalf("kubectl logs deploy/hello:\n%s", out)
	}

	// kubectl logs -f streams a line written after it started.
	fctx, fcancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer fcancel()
	lines := kubectlLines(t, fctx, c, "logs", "-f", pod.Name, "--tail", "1")
	select {
	case <-lines: // the tail line: kubectl is following now
	case <-fctx.Done():
		t.Fatal("kubectl logs -f printed nothing")
	}
	sayHi(t, pod.Status.PodIP, "followed")
	for seen := false; !seen; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("kubectl logs -f ended before the new line")
			}
			seen = strings.Contains(l, "GET /hi/followed")
		case <-fctx.Done():
			t.Fatal("kubectl logs -f did not stream the new request")
		}
	}

	// Once the pod is deleted kubectl cannot show its output (it GETs the
	// pod first); jetplane logs can.
	kubectl(t, c, "delete", "pod", pod.Name)
	eventstest.Eventually(t, 60*time.Second, func() error {
		if code, _ := api(t, c, "GET", "/api/v1/namespaces/default/pods/"+pod.Name, nil); code != http.StatusNotFound {
			return fmt.Errorf("pod %s still there: %d", pod.Name, code)
		}
		return nil
	})
	select {
	case _, ok := <-lines:
		for ok { // drain: kubectl logs -f ends with the pod
			_, ok = <-lines
		}
	case <-fctx.Done():
		t.Fatal("kubectl logs -f kept following a deleted pod")
	}
	if out, err := runCLI(c, 30*time.Second, "kubectl", "logs", pod.Name); err == nil || !strings.Contains(out, "not found") {
		t.Fatalf("kubectl logs of a deleted pod: %v\n%s", err, out)
	}
	jetplane := jetplaneBinary(t)
	out, err := runCLI(c, 30*time.Second, jetplane, "logs", pod.Name)
	if err != nil {
		t.Fatalf("jetplane logs: %v\n%s", err, out)
	}
	// Its whole life, to the last line it wrote when stopped.
	if err := containsAll(out, "hello 1 listening on", request, "GET /hi/followed", "hello 1 stopped"); err != nil {
		t.Fatal(err)
	}
	out, err = runCLI(c, 30*time.Second, jetplane, "logs", "-n", "default", pod.Name, "-c", "hello", "--tail", "1", "-f")
	if err != nil || strings.Count(out, "\n") != 1 || !strings.Contains(out, "hello 1 stopped") {
		t.Fatalf("jetplane logs --tail 1 -f of a gone pod (ends by itself): %v\n%q", err, out)
	}
	if out, err := runCLI(c, 30*time.Second, jetplane, "logs", pod.Name, "-c", "nope"); err == nil ||
		!strings.Contains(out, "container nope is not valid for pod "+pod.Name) {
		t.Fatalf("jetplane logs -c nope: %v\n%s", err, out)
	}
}
