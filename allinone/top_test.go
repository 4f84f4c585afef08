package allinone_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"k8s.io/apimachinery/pkg/api/resource"
)

// kubectl top: the node agent's usage reports (core NATS, not the log)
// served as metrics.k8s.io. A pod that spins shows more CPU than one that
// waits; every pod and the node are listed; RBAC applies as to any API.
func TestProcessKubectlTop(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startCluster(t, dir)
	kubectl(t, c, "run", "idle", "--image=jetplane/hello:1")
	kubectl(t, c, "run", "spin", "--image=jetplane/hello:1", "--labels=load=cpu", "--command", "--", "sh", "-c", "while :; do :; done")
	var lines map[string][]string
	eventstest.Eventually(t, 60*time.Second, func() error {
		out, errOut, code := kubectlRun(t, c, "", "top", "pods", "--no-headers")
		if code != 0 {
			return fmt.Errorf("kubectl top pods: %s", errOut)
		}
		lines = map[string][]string{}
		for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
			if f := strings.Fields(l); len(f) == 3 {
				lines[f[0]] = f[1:]
			}
		}
		if len(lines) != 2 {
			return fmt.Errorf("kubectl top pods: %q", out)
		}
		spin, idle := cpu(t, lines["spin"][0]), cpu(t, lines["idle"][0])
		if spin.Cmp(idle) <= 0 || spin.MilliValue() < 10 {
			return fmt.Errorf("spin uses no more CPU than idle yet: %q", out)
		}
		return nil
	})
	for name, f := range lines {
		if m := resource.MustParse(f[1]); m.Value() <= 0 {
			t.Errorf("%s: memory %s", name, f[1])
		}
	}
	if out := kubectl(t, c, "top", "pods", "-l", "load=cpu", "--no-headers"); !strings.HasPrefix(out, "spin ") || strings.Contains(out, "idle") {
		t.Fatalf("kubectl top pods -l: %q", out)
	}
	if out := kubectl(t, c, "top", "pod", "spin", "--containers", "--no-headers"); !strings.HasPrefix(out, "spin ") {
		t.Fatalf("kubectl top pod --containers: %q", out)
	}
	out := kubectl(t, c, "top", "nodes", "--no-headers")
	if f := strings.Fields(out); len(f) != 5 || f[0] != "node-1" || !strings.HasSuffix(f[2], "%") {
		t.Fatalf("kubectl top nodes: %q", out)
	}
	if _, errOut, code := kubectlRun(t, c, "", "top", "pod", "ghost"); code == 0 || !strings.Contains(errOut, `pods.metrics.k8s.io "ghost" not found`) {
		t.Fatalf("kubectl top pod ghost: %q", errOut)
	}
	if status, body := api(t, c, "DELETE", "/apis/metrics.k8s.io/v1beta1/namespaces/default/pods/spin", nil); status != http.StatusMethodNotAllowed {
		t.Fatalf("delete a pod's metrics: %d %s", status, body)
	}
	// Who may view a namespace may top its pods (the view role carries
	// metrics-server's rule), and nothing else.
	bob := filepath.Join(t.TempDir(), "bob.kubeconfig")
	if err := allinone.AddUser(dir, "bob", nil, time.Hour, bob); err != nil {
		t.Fatal(err)
	}
	if out, err := kubectlAs(t, bob, "top", "pods"); err == nil || !strings.Contains(out, `cannot list resource "pods" in API group "metrics.k8s.io"`) {
		t.Fatalf("bob tops pods unbound: %v\n%s", err, out)
	}
	kubectl(t, c, "create", "rolebinding", "bob-view", "--clusterrole=view", "--user=bob")
	eventstest.Eventually(t, 10*time.Second, func() error {
		if out, err := kubectlAs(t, bob, "top", "pods", "--no-headers"); err != nil || !strings.Contains(out, "spin") {
			return fmt.Errorf("bob tops pods as a viewer: %v\n%s", err, out)
		}
		return nil
	})
	if out, err := kubectlAs(t, bob, "top", "nodes"); err == nil || !strings.Contains(out, "forbidden") {
		t.Fatalf("bob tops nodes as a namespace viewer: %v\n%s", err, out)
	}
	resp, err := c.HTTPClient().Get(c.GatewayURL + "/apis/metrics.k8s.io/v1beta1/pods")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous metrics: %d", resp.StatusCode)
	}
}

func cpu(t *testing.T, s string) resource.Quantity {
	t.Helper()
	q, err := resource.ParseQuantity(s)
	if err != nil {
		t.Fatalf("cpu %q: %v", s, err)
	}
	return q
}
