package allinone_test

import (
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
)

// kubectlAs runs kubectl with another kubeconfig and returns what it said
// and how it ended.
func kubectlAs(t *testing.T, kubeconfig string, args ...string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "kubectl", append([]string{"--kubeconfig", kubeconfig}, args...)...).CombinedOutput()
	return string(out), err
}

// A user made with `jetplane user add` (a client certificate of the
// cluster CA, nothing else) is who the certificate says, and may do what
// the admin bound: the walk-through on jetplane up.
func TestUserAddClientCertificateAndRBAC(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startCluster(t, dir)
	bob := filepath.Join(t.TempDir(), "bob.kubeconfig")
	if err := allinone.AddUser(dir, "bob", []string{"dev"}, time.Hour, bob); err != nil {
		t.Fatal(err)
	}
	// The admin's kubeconfig is in system:masters.
	if out := kubectl(t, c, "auth", "whoami"); !strings.Contains(out, "admin") || !strings.Contains(out, "system:masters") {
		t.Fatalf("admin whoami:\n%s", out)
	}
	kubectl(t, c, "create", "namespace", "dev")
	kubectl(t, c, "create", "rolebinding", "bob-edit", "--clusterrole=edit", "--user=bob", "-n", "dev")

	out, err := kubectlAs(t, bob, "auth", "whoami")
	if err != nil || !strings.Contains(out, "bob") || !strings.Contains(out, "dev") || !strings.Contains(out, "system:authenticated") {
		t.Fatalf("bob whoami: %v\n%s", err, out)
	}
	if out, err := kubectlAs(t, bob, "create", "deployment", "web", "--image=jetplane/hello:1", "-n", "dev"); err != nil {
		t.Fatalf("bob deploys in dev: %v\n%s", err, out)
	}
	out, err = kubectlAs(t, bob, "get", "pods", "-n", "default")
	if err == nil || !strings.Contains(out, `User "bob" cannot list resource "pods" in API group "" in the namespace "default"`) {
		t.Fatalf("bob lists default: %v\n%s", err, out)
	}
	if out, err := kubectlAs(t, bob, "auth", "can-i", "create", "pods", "-n", "dev"); err != nil || strings.TrimSpace(out) != "yes" {
		t.Fatalf("bob can-i in dev: %v %q", err, out)
	}
	// The admin asking as bob gets bob's answer.
	if out, err := kubectlAs(t, c.Kubeconfig, "auth", "can-i", "create", "clusterrolebindings", "--as=bob"); err == nil || !strings.HasSuffix(strings.TrimSpace(out), "no") {
		t.Fatalf("can-i as bob: %v %q", err, out)
	}

	// Anonymous requests are off: 401, but for the health endpoints.
	resp, err := c.HTTPClient().Get(c.GatewayURL + "/api/v1/namespaces/default/pods")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("anonymous list: %d", resp.StatusCode)
	}
	resp, err = c.HTTPClient().Get(c.GatewayURL + "/readyz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("anonymous readyz: %d", resp.StatusCode)
	}
}
