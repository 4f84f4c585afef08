package allinone_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// helmModule is the Helm the Makefile installs (make tools).
const helmModule = "helm.sh/helm/v4@v4.3.2"

// helm runs the pinned Helm against the cluster, its state in dir.
func helm(t *testing.T, c *allinone.Cluster, dir string, args ...string) string {
	t.Helper()
	bin, err := filepath.Abs(filepath.Join("..", "bin", "tools", helmModule, "helm"))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(bin); err != nil {
		t.Fatalf("helm is installed by `make tools` (make test runs it): %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), 4*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, bin, args...)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "KUBECONFIG="+c.Kubeconfig, "HOME="+dir, "HELM_CACHE_HOME="+filepath.Join(dir, "cache"),
		"HELM_CONFIG_HOME="+filepath.Join(dir, "config"), "HELM_DATA_HOME="+filepath.Join(dir, "data"))
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("helm %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// The chart `helm create` scaffolds, on real containers: install waits for
// it to be ready, its test pod reaches the Service by name, an upgrade and a
// rollback each make a revision (the releases are Secrets), uninstall
// removes it all. The chart's images are this repository's: the app is
// jetplane/hello (probes and port set through values, as a user would),
// the test pod jetplane/toolbox (busybox, which is what the chart names).
func TestHelmInstallTestUpgradeRollbackUninstall(t *testing.T) {
	c, _ := dockerServiceCluster(t, "1", "2")
	dir := t.TempDir()
	helm(t, c, dir, "create", "demo")
	testPod := filepath.Join(dir, "demo", "templates", "tests", "test-connection.yaml")
	tpl, err := os.ReadFile(testPod)
	if err != nil {
		t.Fatal(err)
	}
	tpl = []byte(strings.Replace(string(tpl), "image: busybox", "image: jetplane/toolbox:1\n      imagePullPolicy: Never", 1))
	if err := os.WriteFile(testPod, tpl, 0o644); err != nil {
		t.Fatal(err)
	}
	values := func(tag string) string {
		return "image.repository=jetplane/hello,image.pullPolicy=Never,service.port=8080,image.tag=" + tag
	}
	if out := helm(t, c, dir, "install", "demo", "./demo", "--wait", "--timeout", "3m", "--set", values("1")); !strings.Contains(out, "STATUS: deployed") {
		t.Fatalf("install:\n%s", out)
	}
	if out := helm(t, c, dir, "test", "demo"); !strings.Contains(out, "Phase:          Succeeded") {
		t.Fatalf("test:\n%s", out)
	}
	image := func() string {
		var d appsv1.Deployment
		getJSON(t, c, &d, "deploy", "demo")
		return d.Spec.Template.Spec.Containers[0].Image
	}
	helm(t, c, dir, "upgrade", "demo", "./demo", "--wait", "--timeout", "3m", "--set", values("2"))
	if got := image(); got != "jetplane/hello:2" {
		t.Fatalf("after the upgrade: %s", got)
	}
	helm(t, c, dir, "rollback", "demo", "1", "--wait", "--timeout", "3m")
	if got := image(); got != "jetplane/hello:1" {
		t.Fatalf("after the rollback: %s", got)
	}
	if out := helm(t, c, dir, "history", "demo"); !strings.Contains(out, "Rollback to 1") || strings.Count(out, "demo-0.1.0") != 3 {
		t.Fatalf("history:\n%s", out)
	}
	var releases corev1.SecretList
	getJSON(t, c, &releases, "secrets", "-l", "owner=helm,name=demo")
	if len(releases.Items) != 3 || releases.Items[0].Type != "helm.sh/release.v1" {
		t.Fatalf("release secrets: %d", len(releases.Items))
	}
	helm(t, c, dir, "uninstall", "demo")
	if out := kubectl(t, c, "get", "deploy,svc,secrets", "-l", "app.kubernetes.io/instance=demo", "-o", "name"); strings.TrimSpace(out) != "" {
		t.Fatalf("left after uninstall:\n%s", out)
	}
	getJSON(t, c, &releases, "secrets", "-l", "owner=helm,name=demo")
	if len(releases.Items) != 0 {
		t.Fatalf("release secrets after uninstall: %d", len(releases.Items))
	}
}
