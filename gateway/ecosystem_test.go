package gateway

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	appsv1 "k8s.io/api/apps/v1"
)

// tool is a program `make tools` installs, pinned, into
// bin/tools/<module@version>/.
func tool(t *testing.T, moduleVersion, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "bin", "tools", moduleVersion, name))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(p); err != nil {
		t.Fatalf("%s is installed by `make tools` (make test runs it): %v", name, err)
	}
	return p
}

// moduleSource is where the Go module cache holds a module version's
// source (the tools' own manifests are read from there).
func moduleSource(t *testing.T, module string) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMODCACHE").Output()
	if err != nil {
		t.Fatal(err)
	}
	return filepath.Join(strings.TrimSpace(string(out)), module)
}

// sampleController is the version the Makefile installs.
const sampleController = "k8s.io/sample-controller@v0.36.4"

// Kubernetes' sample-controller, unchanged: its CRD and its example Foo
// become a Deployment of the Foo's replicas, which follows the Foo from 1
// to 3; the Foo's status is written through /status.
func TestSampleControllerReconcilesAFoo(t *testing.T) {
	t.Parallel()
	bin := tool(t, sampleController, "sample-controller")
	src := moduleSource(t, sampleController)
	g := startGateway(t, nil)
	k := newKubectl(t, g, adminToken)
	k.must("", "apply", "-f", filepath.Join(src, "artifacts/examples/crd-status-subresource.yaml"))
	eventstest.Eventually(t, 10*time.Second, func() error {
		_, err := k.run("", "get", "foos.samplecontroller.k8s.io")
		return err
	})
	ctx, cancel := context.WithCancel(t.Context())
	defer cancel()
	logs := &strings.Builder{}
	cmd := exec.CommandContext(ctx, bin, "-kubeconfig", k.kubeconfig)
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("sample-controller's output:\n%s", logs.String())
		}
	})
	k.must("", "apply", "-f", filepath.Join(src, "artifacts/examples/example-foo.yaml"))
	replicas := func(want int32) func() error {
		return func() error {
			var d appsv1.Deployment
			r := g.do("GET", "/apis/apps/v1/namespaces/default/deployments/example-foo", nil)
			if r.code != 200 {
				return fmt.Errorf("deployment: %d", r.code)
			}
			r.into(t, &d)
			if d.Spec.Replicas == nil || *d.Spec.Replicas != want || len(d.OwnerReferences) != 1 || d.OwnerReferences[0].Kind != "Foo" {
				return fmt.Errorf("deployment %+v owned by %+v", d.Spec.Replicas, d.OwnerReferences)
			}
			return nil
		}
	}
	eventstest.Eventually(t, 60*time.Second, replicas(1))
	k.must("", "patch", "foos.samplecontroller.k8s.io", "example-foo", "--type=merge", "-p", `{"spec":{"replicas":3}}`)
	eventstest.Eventually(t, 60*time.Second, replicas(3))
}
