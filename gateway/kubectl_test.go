package gateway

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
)

// kubectl runs the real kubectl against the test gateway with a temporary
// kubeconfig and discovery cache.
type kubectl struct {
	t          *testing.T
	kubeconfig string
	cache      string
}

// newKubectl serves the gateway over TLS as well: kubectl only sends a
// bearer token to an https server.
func newKubectl(t *testing.T, g *testGateway, token string) *kubectl {
	t.Helper()
	tlsServer := httptest.NewTLSServer(g.server.Handler())
	t.Cleanup(tlsServer.Close)
	dir := t.TempDir()
	cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: test
clusters:
- name: test
  cluster:
    server: %s
    insecure-skip-tls-verify: true
users:
- name: test
  user:
    token: %s
contexts:
- name: test
  context:
    cluster: test
    user: test
    namespace: default
`, tlsServer.URL, token)
	path := filepath.Join(dir, "kubeconfig")
	if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
	return &kubectl{t: t, kubeconfig: path, cache: filepath.Join(dir, "cache")}
}

func (k *kubectl) run(stdin string, args ...string) (string, error) {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(k.t.Context(), 60*time.Second)
	defer cancel()
	args = append([]string{"--kubeconfig", k.kubeconfig, "--cache-dir", k.cache}, args...)
	cmd := exec.CommandContext(ctx, "kubectl", args...)
	cmd.Env = append(os.Environ(), "HOME="+filepath.Dir(k.kubeconfig), "KUBECONFIG="+k.kubeconfig)
	if stdin != "" {
		cmd.Stdin = strings.NewReader(stdin)
	}
	out, err := cmd.CombinedOutput()
	return string(out), err
}

func (k *kubectl) must(stdin string, args ...string) string {
	k.t.Helper()
	out, err := k.run(stdin, args...)
	if err != nil {
		k.t.Fatalf("kubectl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return out
}

const kubectlManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
  labels:
    app: hello
spec:
  replicas: 2
  selector:
    matchLabels:
      app: hello
  template:
    metadata:
      labels:
        app: hello
    spec:
      containers:
      - name: hello
        image: jetplane/hello:1
        ports:
        - containerPort: 8080
---
apiVersion: v1
kind: Service
metadata:
  name: hello
spec:
  selector:
    app: hello
  ports:
  - port: 80
    targetPort: 8080
`

func TestRealKubectl(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Fatalf("kubectl is installed on every project machine: %v", err)
	}
	g := startGateway(t, map[string]string{"tok": "admin"})
	k := newKubectl(t, g, "tok")

	if out := k.must("", "get", "namespaces"); !strings.Contains(out, "kube-system") || !strings.Contains(out, "NAME") {
		t.Fatalf("get namespaces:\n%s", out)
	}
	if out := k.must("", "get", "pods"); !strings.Contains(out, "No resources found") {
		t.Fatalf("get pods on an empty namespace:\n%s", out)
	}
	out := k.must(kubectlManifest, "apply", "-f", "-")
	if !strings.Contains(out, "deployment.apps/hello created") || !strings.Contains(out, "service/hello created") {
		t.Fatalf("apply:\n%s", out)
	}
	// Applying again changes nothing; applying a new image patches it.
	if out := k.must(kubectlManifest, "apply", "-f", "-"); !strings.Contains(out, "deployment.apps/hello unchanged") {
		t.Fatalf("second apply:\n%s", out)
	}
	if out := k.must(strings.Replace(kubectlManifest, "hello:1", "hello:2", 1), "apply", "-f", "-"); !strings.Contains(out, "deployment.apps/hello configured") {
		t.Fatalf("apply new image:\n%s", out)
	}
	// kubectl validates on the server (it finds fieldValidation in the
	// OpenAPI v3 documents): an unknown field is refused, nothing is stored.
	bogus := strings.Replace(kubectlManifest, "replicas:", "bogus: 1\n  replicas:", 1)
	if out, err := k.run(bogus, "apply", "-f", "-"); err == nil || !strings.Contains(out, `strict decoding error: unknown field "spec.bogus"`) {
		t.Fatalf("apply with an unknown field: %v\n%s", err, out)
	}
	var d appsv1.Deployment
	g.must(http.StatusOK, "GET", "/apis/apps/v1/namespaces/default/deployments/hello", nil).into(t, &d)
	if d.Spec.Template.Spec.Containers[0].Image != "jetplane/hello:2" {
		t.Fatalf("image after apply: %s", d.Spec.Template.Spec.Containers[0].Image)
	}
	if ev := getEvent(t, g, d.ResourceVersion); ev.Actor != "admin" {
		t.Fatalf("actor %q", ev.Actor)
	}

	if out := k.must("", "get", "deployments"); !strings.Contains(out, "hello") {
		t.Fatalf("get deployments:\n%s", out)
	}
	k.must("", "label", "deployment", "hello", "tier=web")
	k.must("", "annotate", "service", "hello", "note=hi")
	if out := k.must("", "get", "deploy", "-l", "tier=web", "-o", "name"); strings.TrimSpace(out) != "deployment.apps/hello" {
		t.Fatalf("get by label:\n%s", out)
	}
	if out := k.must("", "get", "svc", "hello", "-o", "jsonpath={.metadata.annotations.note}"); out != "hi" {
		t.Fatalf("annotation: %q", out)
	}

	if out := k.must("", "scale", "deployment", "hello", "--replicas=3"); !strings.Contains(out, "scaled") {
		t.Fatalf("scale:\n%s", out)
	}
	g.must(http.StatusOK, "GET", "/apis/apps/v1/namespaces/default/deployments/hello", nil).into(t, &d)
	if *d.Spec.Replicas != 3 || getEvent(t, g, d.ResourceVersion).Change() != "scaled" {
		t.Fatalf("replicas after scale: %d", *d.Spec.Replicas)
	}

	k.watchSees(g, "watched")

	k.must("", "run", "solo", "--image=jetplane/hello:1", "--restart=Never")
	if out := k.must("", "get", "pod", "solo", "-o", "wide"); !strings.Contains(out, "solo") {
		t.Fatalf("get pod:\n%s", out)
	}
	if out := k.must("", "delete", "pod", "solo"); !strings.Contains(out, `pod "solo" deleted`) {
		t.Fatalf("delete pod:\n%s", out)
	}
	out = k.must(kubectlManifest, "delete", "-f", "-")
	if !strings.Contains(out, `deployment.apps "hello" deleted`) || !strings.Contains(out, `service "hello" deleted`) {
		t.Fatalf("delete -f:\n%s", out)
	}
	if _, err := k.run("", "get", "deployment", "hello"); err == nil {
		t.Fatal("deployment still there after kubectl delete")
	}
}

// watchSees runs `kubectl get pods -w`, creates a pod and waits until the
// watch prints its row.
func (k *kubectl) watchSees(g *testGateway, name string) {
	k.t.Helper()
	ctx, cancel := context.WithTimeout(k.t.Context(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, "kubectl", "--kubeconfig", k.kubeconfig, "--cache-dir", k.cache, "get", "pods", "-w")
	out, err := cmd.StdoutPipe()
	if err != nil {
		k.t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		k.t.Fatal(err)
	}
	defer func() { cancel(); _ = cmd.Wait() }()
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	// Whether kubectl lists before or after this create, the row appears:
	// in its list, or as an event of the watch that resumes from the list.
	g.must(http.StatusCreated, "POST", podsPath("default"), pod(name, nil, ""))
	for {
		select {
		case line, ok := <-lines:
			if !ok {
				k.t.Fatalf("kubectl get -w ended before showing %s", name)
			}
			if strings.HasPrefix(line, name+" ") {
				return
			}
		case <-ctx.Done():
			k.t.Fatalf("kubectl get -w did not show %s", name)
		}
	}
}
