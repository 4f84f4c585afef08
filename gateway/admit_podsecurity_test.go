package gateway

import (
	"net/http"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// namespaceWith creates a namespace with labels.
func (g *testGateway) namespaceWith(name string, labels map[string]string) {
	g.t.Helper()
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": name, "labels": labels}})
}

func privilegedPod(name string) map[string]any {
	p := pod(name, nil, "")
	p["spec"].(map[string]any)["containers"] = []any{map[string]any{"name": "c", "image": "jetplane/hello:1",
		"securityContext": map[string]any{"privileged": true}}}
	return p
}

// A baseline-enforcing namespace refuses a privileged pod in
// kube-apiserver's words, admits a clean one, lets metadata updates of a
// pod through unchecked, and only warns about a privileged Deployment.
func TestPodSecurityEnforce(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	g.namespaceWith("locked", map[string]string{"pod-security.kubernetes.io/enforce": "baseline"})

	st := g.must(http.StatusForbidden, "POST", podsPath("locked"), privilegedPod("x")).status(t)
	want := `pods "x" is forbidden: violates PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)`
	if st.Message != want || st.Reason != "Forbidden" {
		t.Fatalf("status %q %q, want %q", st.Reason, st.Message, want)
	}
	g.must(http.StatusCreated, "POST", podsPath("locked"), pod("clean", nil, ""))
	// Dry runs answer what the real request would.
	g.must(http.StatusForbidden, "POST", podsPath("locked")+"?dryRun=All", privilegedPod("y"))

	// Elsewhere the same pod is admitted; once the namespace enforces,
	// relabelling the running pod is not checked again, a new image is.
	g.must(http.StatusCreated, "POST", podsPath("default"), privilegedPod("old"))
	g.must(http.StatusCreated, "POST", podsPath("default"), privilegedPod("older"))
	r := g.must(http.StatusOK, "PATCH", "/api/v1/namespaces/default", `{"metadata":{"labels":{"pod-security.kubernetes.io/enforce":"baseline"}}}`,
		"Content-Type", "application/merge-patch+json")
	if got, want := warningsOf(t, r), []string{
		`existing pods in namespace "default" violate the new PodSecurity enforce level "baseline:latest"`,
		`old (and 1 other pod): privileged`,
	}; !slices.Equal(got, want) {
		t.Fatalf("namespace update warnings %q, want %q", got, want)
	}
	g.must(http.StatusOK, "PATCH", podsPath("default")+"/old", `{"metadata":{"labels":{"a":"b"}}}`, "Content-Type", "application/merge-patch+json")
	st = g.must(http.StatusForbidden, "PATCH", podsPath("default")+"/old", `{"spec":{"containers":[{"name":"c","image":"jetplane/hello:2"}]}}`,
		"Content-Type", "application/strategic-merge-patch+json").status(t)
	if !strings.HasPrefix(st.Message, `pods "old" is forbidden: violates PodSecurity "baseline:latest": privileged`) {
		t.Fatalf("image update: %s", st.Message)
	}

	d := deployment("web", 1)
	d["spec"].(map[string]any)["template"].(map[string]any)["spec"] = privilegedPod("")["spec"]
	r = g.must(http.StatusCreated, "POST", "/apis/apps/v1/namespaces/locked/deployments", d)
	if got, want := warningsOf(t, r), []string{`would violate PodSecurity "baseline:latest": privileged (container "c" must not set securityContext.privileged=true)`}; !slices.Equal(got, want) {
		t.Fatalf("deployment warnings %q, want %q", got, want)
	}

	// Policy labels must be readable.
	st = g.must(http.StatusUnprocessableEntity, "POST", "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": "typo",
		"labels": map[string]any{"pod-security.kubernetes.io/enforce": "strict"}}}).status(t)
	if want := `Namespace "typo" is invalid: metadata.labels[pod-security.kubernetes.io/enforce]: Invalid value: "strict": must be one of privileged, baseline, restricted`; st.Message != want {
		t.Fatalf("invalid label: %s", st.Message)
	}
}

// warningsOf are a response's Warning headers' texts.
func warningsOf(t *testing.T, r response) []string {
	t.Helper()
	var out []string
	for _, h := range r.header.Values("Warning") {
		w, err := strconv.Unquote(strings.TrimPrefix(h, "299 - "))
		if err != nil {
			t.Fatalf("Warning %q: %v", h, err)
		}
		out = append(out, w)
	}
	return out
}

// A restricted warn level admits with a Warning that kubectl prints; an
// unlabelled namespace says nothing.
func TestPodSecurityWarnWithKubectl(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Fatalf("kubectl is installed on every project machine: %v", err)
	}
	g := startGateway(t, nil)
	g.namespaceWith("watched", map[string]string{"pod-security.kubernetes.io/warn": "restricted", "pod-security.kubernetes.io/warn-version": "v1.30"})
	k := newKubectl(t, g, adminToken)
	out := k.must("", "run", "web", "--image=jetplane/hello:1", "-n", "watched")
	want := `Warning: would violate PodSecurity "restricted:v1.30": allowPrivilegeEscalation != false (container "web" must set securityContext.allowPrivilegeEscalation=false), ` +
		`unrestricted capabilities (container "web" must set securityContext.capabilities.drop=["ALL"]), ` +
		`runAsNonRoot != true (pod or container "web" must set securityContext.runAsNonRoot=true), ` +
		`seccompProfile (pod or container "web" must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost")`
	if !strings.Contains(out, want) || !strings.Contains(out, "pod/web created") {
		t.Fatalf("kubectl run:\n%s\nwant %s", out, want)
	}
	if out := k.must("", "run", "web", "--image=jetplane/hello:1", "-n", "default"); strings.Contains(out, "Warning") {
		t.Fatalf("unlabelled namespace warned:\n%s", out)
	}
}
