package gateway

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// testGateway is a gateway over a fresh embedded JetStream, served by httptest.
type testGateway struct {
	t      testing.TB
	log    *natslog.Log
	server *Server
	http   *httptest.Server
	token  string
}

// adminToken is the test gateway's administrator (system:masters), whose
// token every request carries unless it sets its own Authorization.
const adminToken = "tok-test-admin"

// startGateway starts a gateway knowing the admin and tokens' users; the
// users tokens name are bound to cluster-admin, so that tests of what they
// do (history, attribution) are not tests of RBAC.
func startGateway(t testing.TB, tokens map[string]string) *testGateway {
	t.Helper()
	g := startGatewayUnbound(t, tokens)
	var users []string
	for _, user := range tokens {
		users = append(users, user)
	}
	if len(users) > 0 {
		g.bindClusterAdmin(users...)
	}
	return g
}

// startGatewayUnbound is startGateway with tokens' users bound to nothing:
// RBAC gives them what every authenticated user has.
func startGatewayUnbound(t testing.TB, tokens map[string]string) *testGateway {
	t.Helper()
	return startGatewayWith(t, tokens, nil)
}

// startGatewayWith is startGatewayUnbound with the Config changed by
// configure (when not nil) before the gateway starts.
func startGatewayWith(t testing.TB, tokens map[string]string, configure func(*Config)) *testGateway {
	t.Helper()
	return startGatewayOn(t, eventstest.Log(t), tokens, configure)
}

// startGatewayOn is startGatewayWith over the log l (a cluster's, say).
func startGatewayOn(t testing.TB, l *natslog.Log, tokens map[string]string, configure func(*Config)) *testGateway {
	t.Helper()
	cfg := withAdmin(Config{Log: l, Instance: "test"})
	keys, err := LoadSecretKeyring(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	cfg.SecretKeys = keys
	for tok, user := range tokens {
		cfg.Tokens[tok] = user
	}
	if configure != nil {
		configure(&cfg)
	}
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	return &testGateway{t: t, log: l, server: s, http: hs, token: adminToken}
}

// withAdmin adds the test admin (adminToken, system:masters) to cfg.
func withAdmin(cfg Config) Config {
	cfg.Tokens = map[string]string{adminToken: "test-admin"}
	cfg.Groups = map[string][]string{"test-admin": {"system:masters"}}
	return cfg
}

// asAdmin sends requests with the admin's token unless they carry one.
type asAdmin struct{ next http.RoundTripper }

func (a asAdmin) RoundTrip(r *http.Request) (*http.Response, error) {
	if r.Header.Get("Authorization") == "" {
		r = r.Clone(r.Context())
		r.Header.Set("Authorization", "Bearer "+adminToken)
	}
	return a.next.RoundTrip(r)
}

// client is the test server's client, as the admin.
func (g *testGateway) client() *http.Client {
	c := *g.http.Client()
	c.Transport = asAdmin{c.Transport}
	return &c
}

// bindClusterAdmin lets users do anything, through a ClusterRoleBinding.
func (g *testGateway) bindClusterAdmin(users ...string) {
	g.t.Helper()
	var subjects []map[string]any
	for _, u := range users {
		subjects = append(subjects, map[string]any{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": u})
	}
	g.must(http.StatusCreated, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding",
		"metadata": map[string]any{"name": "test-users-are-admins"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
		"subjects": subjects})
}

// response is what a request got back.
type response struct {
	code   int
	body   []byte
	header http.Header
}

func (r response) into(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %s: %v", r.body, err)
	}
}

func (r response) status(t *testing.T) metav1.Status {
	t.Helper()
	var st metav1.Status
	r.into(t, &st)
	if st.Kind != "Status" {
		t.Fatalf("want a Status, got %s", r.body)
	}
	return st
}

// do sends a request; body may be nil, []byte or a value encoded as JSON.
func (g *testGateway) do(method, path string, body any, header ...string) response {
	g.t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		if err != nil {
			g.t.Fatal(err)
		}
		rd = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(g.t.Context(), method, g.http.URL+path, rd)
	if err != nil {
		g.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if g.token != "" {
		req.Header.Set("Authorization", "Bearer "+g.token)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := g.http.Client().Do(req)
	if err != nil {
		g.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil {
		g.t.Fatal(err)
	}
	return response{code: resp.StatusCode, body: data, header: resp.Header}
}

// must sends a request and fails the test unless it gets code.
func (g *testGateway) must(code int, method, path string, body any, header ...string) response {
	g.t.Helper()
	r := g.do(method, path, body, header...)
	if r.code != code {
		g.t.Fatalf("%s %s: want %d, got %d: %s", method, path, code, r.code, r.body)
	}
	return r
}

func pod(name string, labels map[string]string, node string) map[string]any {
	return map[string]any{
		"apiVersion": "v1", "kind": "Pod",
		"metadata": map[string]any{"name": name, "labels": labels},
		"spec": map[string]any{
			"nodeName":   node,
			"containers": []any{map[string]any{"name": "app", "image": "jetplane/hello:1"}},
		},
	}
}

func deployment(name string, replicas int) map[string]any {
	labels := map[string]any{"app": name}
	return map[string]any{
		"apiVersion": "apps/v1", "kind": "Deployment",
		"metadata": map[string]any{"name": name},
		"spec": map[string]any{
			"replicas": replicas,
			"selector": map[string]any{"matchLabels": labels},
			"template": map[string]any{
				"metadata": map[string]any{"labels": labels},
				"spec": map[string]any{"containers": []any{
					map[string]any{"name": "web", "image": "jetplane/hello:1"},
					map[string]any{"name": "sidecar", "image": "jetplane/hello:1"},
				}},
			},
		},
	}
}

func podsPath(ns string) string { return fmt.Sprintf("/api/v1/namespaces/%s/pods", ns) }
