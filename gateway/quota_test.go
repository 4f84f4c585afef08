package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func newNamespace(g *testGateway, name string) {
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": name}})
}

func resourceQuota(name string, hard map[string]string) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "ResourceQuota", "metadata": map[string]any{"name": name},
		"spec": map[string]any{"hard": hard}}
}

func TestQuotaRefusesThePodBeyondIt(t *testing.T) {
	g := startGateway(t, nil)
	newNamespace(g, "team")
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces/team/resourcequotas", resourceQuota("compute", map[string]string{"pods": "2"}))
	for i := 1; i <= 2; i++ {
		g.must(http.StatusCreated, "POST", podsPath("team"), pod(fmt.Sprintf("p%d", i), nil, ""))
	}
	st := g.must(http.StatusForbidden, "POST", podsPath("team"), pod("p3", nil, "")).status(t)
	want := `pods "p3" is forbidden: exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2`
	if st.Message != want || st.Reason != metav1.StatusReasonForbidden {
		t.Fatalf("third pod: %q (%s), want %q", st.Message, st.Reason, want)
	}

	// status is what kubectl describe quota shows, counted at read time.
	var q corev1.ResourceQuota
	g.must(http.StatusOK, "GET", "/api/v1/namespaces/team/resourcequotas/compute", nil).into(t, &q)
	if used, hard := q.Status.Used["pods"], q.Status.Hard["pods"]; used.Value() != 2 || hard.Value() != 2 {
		t.Fatalf("status %+v", q.Status)
	}

	// A pod that has ended frees its slot, as in Kubernetes.
	var p1 corev1.Pod
	g.must(http.StatusOK, "GET", podsPath("team")+"/p1", nil).into(t, &p1)
	p1.Status.Phase = corev1.PodSucceeded
	g.must(http.StatusOK, "PUT", podsPath("team")+"/p1/status", p1)
	g.must(http.StatusCreated, "POST", podsPath("team"), pod("p3", nil, ""))
}

func TestLimitRangeDefaultsContainers(t *testing.T) {
	g := startGateway(t, nil)
	newNamespace(g, "team")
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces/team/limitranges", map[string]any{
		"metadata": map[string]any{"name": "limits"},
		"spec": map[string]any{"limits": []any{map[string]any{"type": "Container",
			"default": map[string]string{"cpu": "500m", "memory": "128Mi"}, "defaultRequest": map[string]string{"cpu": "100m"},
			"min": map[string]string{"cpu": "50m"}}}}})
	var p corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("team"), pod("web", nil, "")).into(t, &p)
	r := p.Spec.Containers[0].Resources
	for _, c := range []struct {
		list corev1.ResourceList
		name corev1.ResourceName
		want string
	}{{r.Limits, "cpu", "500m"}, {r.Limits, "memory", "128Mi"}, {r.Requests, "cpu", "100m"}, {r.Requests, "memory", "128Mi"}} {
		if q := c.list[c.name]; q.Cmp(resource.MustParse(c.want)) != 0 {
			t.Errorf("%s = %s, want %s (resources %+v)", c.name, q.String(), c.want, r)
		}
	}
	if p.Status.QOSClass != corev1.PodQOSBurstable {
		t.Errorf("QoS class %s, want Burstable", p.Status.QOSClass)
	}

	small := pod("small", nil, "")
	small["spec"].(map[string]any)["containers"].([]any)[0].(map[string]any)["resources"] = map[string]any{
		"requests": map[string]string{"cpu": "10m"}}
	st := g.must(http.StatusForbidden, "POST", podsPath("team"), small).status(t)
	if want := `pods "small" is forbidden: minimum cpu usage per Container is 50m, but request is 10m`; st.Message != want {
		t.Errorf("small pod: %q, want %q", st.Message, want)
	}
}

func TestQuotaOnLimitsRequiresThem(t *testing.T) {
	g := startGateway(t, nil)
	newNamespace(g, "team")
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces/team/resourcequotas",
		resourceQuota("cpu", map[string]string{"limits.cpu": "2", "pods": "10"}))
	st := g.must(http.StatusForbidden, "POST", podsPath("team"), pod("p", nil, "")).status(t)
	if want := `pods "p" is forbidden: failed quota: cpu: must specify limits.cpu for: app`; st.Message != want {
		t.Fatalf("pod without limits: %q, want %q", st.Message, want)
	}
}

func TestPodWithTooManyContainers(t *testing.T) {
	g := startGateway(t, nil)
	p := pod("big", nil, "")
	var cs []any
	for i := range 101 {
		cs = append(cs, map[string]any{"name": fmt.Sprintf("c%d", i), "image": "jetplane/hello:1"})
	}
	p["spec"].(map[string]any)["containers"] = cs
	st := g.must(http.StatusUnprocessableEntity, "POST", podsPath("default"), p).status(t)
	if st.Details == nil || len(st.Details.Causes) != 1 || st.Details.Causes[0].Field != "spec.containers" {
		t.Fatalf("101 containers: %+v", st)
	}
}

const quotaManifest = `apiVersion: v1
kind: ResourceQuota
metadata:
  name: compute
spec:
  hard:
    pods: "10"
    requests.cpu: "1"
    limits.cpu: "2"
---
apiVersion: v1
kind: LimitRange
metadata:
  name: limits
spec:
  limits:
  - type: Container
    default:
      cpu: 500m
    defaultRequest:
      cpu: 100m
`

// TestKubectlQuota is what a user sees of quota and limits in kubectl.
func TestKubectlQuota(t *testing.T) {
	t.Parallel()
	g := startGateway(t, map[string]string{"tok": "admin"})
	k := newKubectl(t, g, "tok")
	k.must(quotaManifest, "apply", "-f", "-")
	k.must("", "run", "web", "--image=jetplane/hello:1")
	out := k.must("", "get", "quota")
	if !strings.Contains(out, "pods: 1/10, requests.cpu: 100m/1") || !strings.Contains(out, "limits.cpu: 500m/2") ||
		!strings.Contains(out, "REQUEST") || !strings.Contains(out, "LIMIT") {
		t.Errorf("get quota:\n%s", out)
	}
	if out := k.must("", "describe", "quota", "compute"); !strings.Contains(out, "requests.cpu  100m  1") {
		t.Errorf("describe quota:\n%s", out)
	}
	if out := k.must("", "get", "limits"); !strings.Contains(out, "CREATED AT") || !strings.Contains(out, "limits") {
		t.Errorf("get limits:\n%s", out)
	}
}

// TestQuotaSerialisesGateways: two gateways over one log, creating pods at
// once, fit no more than the quota allows, as the quota's CAS serialises
// them.
func TestQuotaSerialisesGateways(t *testing.T) {
	g := startGateway(t, nil)
	s2, err := New(t.Context(), withAdmin(Config{Log: g.log, Instance: "test-2"}))
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(s2.Handler())
	t.Cleanup(hs.Close)
	g2 := &testGateway{t: t, log: g.log, server: s2, http: hs, token: adminToken}
	newNamespace(g, "team")
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces/team/resourcequotas", resourceQuota("compute", map[string]string{"pods": "3"}))
	g2.server.catchUpLog(t.Context())

	var wg sync.WaitGroup
	codes := make(chan int, 16)
	for i := range 16 {
		gw := []*testGateway{g, g2}[i%2]
		wg.Go(func() {
			codes <- gw.do("POST", podsPath("team"), pod(fmt.Sprintf("p%d", i), nil, "")).code
		})
	}
	wg.Wait()
	close(codes)
	created := 0
	for c := range codes {
		switch c {
		case http.StatusCreated:
			created++
		case http.StatusForbidden:
		default:
			t.Errorf("unexpected answer %d", c)
		}
	}
	var pods corev1.PodList
	g.server.catchUpLog(t.Context())
	g.must(http.StatusOK, "GET", podsPath("team"), nil).into(t, &pods)
	if created != 3 || len(pods.Items) != 3 {
		t.Fatalf("%d created, %d stored; the quota allows 3", created, len(pods.Items))
	}
}
