package allinone_test

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
)

// kubectl runs the real kubectl against the cluster; kubectl is on every
// project machine and CI requires it (.ci/run).
func kubectl(t testing.TB, c *allinone.Cluster, args ...string) string {
	t.Helper()
	return kubectlIn(t, c, "", args...)
}

// kubectlLines starts a long-running kubectl (-w, -f) and delivers its
// output line by line until ctx ends; the command is stopped and waited for
// when the test ends.
func kubectlLines(t *testing.T, ctx context.Context, c *allinone.Cluster, args ...string) <-chan string {
	t.Helper()
	return kubectlLinesEnv(t, ctx, c, nil, args...)
}

// kubectlLinesEnv is kubectlLines with env added to kubectl's environment.
func kubectlLinesEnv(t *testing.T, ctx context.Context, c *allinone.Cluster, env []string, args ...string) <-chan string {
	t.Helper()
	ctx, cancel := context.WithCancel(ctx)
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	cmd.Env = append(os.Environ(), env...)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		cancel()
		t.Fatal(err)
	}
	t.Cleanup(func() { cancel(); _ = cmd.Wait() })
	lines := make(chan string, 1000)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			lines <- sc.Text()
		}
		close(lines)
	}()
	return lines
}

// kubectlIn is kubectl with stdin (for "apply -f -").
func kubectlIn(t testing.TB, c *allinone.Cluster, stdin string, args ...string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", c.Kubeconfig}, args...)...)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

func TestKubectlDrivesJetplane(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())

	nodes := kubectl(t, c, "get", "nodes")
	if !strings.Contains(nodes, "STATUS") || !strings.Contains(nodes, "node-1") || !strings.Contains(nodes, "Ready") {
		t.Fatalf("kubectl get nodes:\n%s", nodes)
	}

	// kubectl get pods -w streams changes from the moment it starts.
	wctx, wcancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer wcancel()
	seen := kubectlLines(t, wctx, c, "get", "pods", "-w", "--no-headers")

	manifest := "../examples/hello.yaml"
	if out := kubectl(t, c, "apply", "-f", manifest); !strings.Contains(out, "deployment.apps/hello created") ||
		!strings.Contains(out, "service/hello created") {
		t.Fatalf("apply:\n%s", out)
	}
	waitHelloServing(t, c, 3)

	select {
	case line := <-seen:
		if !strings.HasPrefix(line, "hello-") {
			t.Fatalf("kubectl get pods -w printed %q", line)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("kubectl get pods -w streamed nothing")
	}

	all := kubectl(t, c, "get", "deploy,rs,pods,endpoints")
	for _, want := range []string{"deployment.apps/hello", "3/3", "UP-TO-DATE", "replicaset.apps/hello-", "DESIRED",
		"pod/hello-", "Running", "RESTARTS", "endpoints/hello", ":8080"} {
		if !strings.Contains(all, want) {
			t.Fatalf("kubectl get deploy,rs,pods,endpoints lacks %q:\n%s", want, all)
		}
	}

	// Applying the same file with another replica count updates the deployment.
	data, err := os.ReadFile(manifest)
	if err != nil {
		t.Fatal(err)
	}
	scaled := filepath.Join(t.TempDir(), "hello.yaml")
	if err := os.WriteFile(scaled, []byte(strings.Replace(string(data), "replicas: 3", "replicas: 2", 1)), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := kubectl(t, c, "apply", "-f", scaled); !strings.Contains(out, "deployment.apps/hello configured") {
		t.Fatalf("re-apply:\n%s", out)
	}
	waitHelloServing(t, c, 2)

	if out := kubectl(t, c, "delete", "-f", scaled); !strings.Contains(out, `deployment.apps "hello" deleted`) {
		t.Fatalf("delete:\n%s", out)
	}
	eventstest.Eventually(t, 60*time.Second, func() error {
		if pods := helloPods(t, c); len(pods) > 0 {
			return fmt.Errorf("%d pods left", len(pods))
		}
		return nil
	})
	if out := kubectl(t, c, "get", "deploy,svc", "-o", "name"); strings.Contains(out, "hello") {
		t.Fatalf("objects left after delete:\n%s", out)
	}
}
