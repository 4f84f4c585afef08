package client_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"

	"github.com/jetplane/jetplane/client"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/gateway"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// serve runs a gateway over TLS and writes one kubeconfig per user, trusting
// the server's certificate the way `jetplane up` writes them.
func serve(t *testing.T, users ...string) map[string]*client.Client {
	t.Helper()
	cs, _ := serveLog(t, users...)
	return cs
}

// serveLog is serve, with the gateway's log.
func serveLog(t *testing.T, users ...string) (map[string]*client.Client, *natslog.Log) {
	t.Helper()
	l := eventstest.Log(t)
	tokens, groups := map[string]string{}, map[string][]string{}
	for _, u := range users {
		// The verbs' users administer the cluster: these are tests of the
		// verbs, not of RBAC.
		tokens["tok-"+u], groups[u] = u, []string{"system:masters"}
	}
	g, err := gateway.New(t.Context(), gateway.Config{Log: l, Instance: "test", Tokens: tokens, Groups: groups})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewTLSServer(g.Handler())
	t.Cleanup(srv.Close)
	ca := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srv.Certificate().Raw})
	out := map[string]*client.Client{}
	for _, u := range users {
		path := filepath.Join(t.TempDir(), "kubeconfig")
		cfg := fmt.Sprintf(`apiVersion: v1
kind: Config
current-context: c
clusters:
- name: k
  cluster:
    server: %s
    certificate-authority-data: %s
users:
- name: %s
  user:
    token: tok-%s
contexts:
- name: c
  context: {cluster: k, user: %s, namespace: default}
`, srv.URL, b64(ca), u, u, u)
		if err := os.WriteFile(path, []byte(cfg), 0o600); err != nil {
			t.Fatal(err)
		}
		c, err := client.FromKubeconfig(path)
		if err != nil {
			t.Fatal(err)
		}
		out[u] = c
	}
	return out, l
}

func do(t *testing.T, c *client.Client, method, path, contentType, body string) {
	t.Helper()
	resp, err := c.Do(context.Background(), method, path, strings.NewReader(body), http.Header{"Content-Type": {contentType}})
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	resp.Body.Close()
}

func TestHistoryVerbPrintsChangesAndDiff(t *testing.T) {
	cs := serve(t, "alice", "bob")
	deploy := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":1,
"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
"spec":{"containers":[{"name":"web","image":"jetplane/hello:1"}]}}}}`
	do(t, cs["alice"], "POST", "/apis/apps/v1/namespaces/default/deployments", "application/json", deploy)
	do(t, cs["bob"], "PATCH", "/apis/apps/v1/namespaces/default/deployments/web", "application/strategic-merge-patch+json",
		`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"jetplane/hello:2"}]}}}}`)

	var out bytes.Buffer
	if err := cs["alice"].History(context.Background(), client.HistoryOptions{Object: "deploy/web", Diff: "1,2"}, &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	lines := strings.Split(text, "\n")
	if !strings.HasPrefix(lines[0], "REVISION") || !strings.Contains(lines[1], "alice") || !strings.Contains(lines[1], "created") ||
		!strings.Contains(lines[2], "bob") || !strings.Contains(lines[2], "updated") {
		t.Fatalf("history:\n%s", text)
	}
	if !strings.Contains(text, "--- revision 1") || !strings.Contains(text, "-      - image: jetplane/hello:1") ||
		!strings.Contains(text, "+      - image: jetplane/hello:2") {
		t.Fatalf("diff:\n%s", text)
	}

	err := cs["bob"].History(context.Background(), client.HistoryOptions{Object: "deploy/nope"}, &out)
	if !apierrors.IsNotFound(err) {
		t.Fatalf("history of a missing object: %v", err)
	}
	if err := cs["bob"].History(context.Background(), client.HistoryOptions{Object: "widgets/x"}, &out); err == nil ||
		!strings.Contains(err.Error(), `unknown resource type "widgets"`) {
		t.Fatalf("unknown type: %v", err)
	}
}

// A pod's history lists who entered it, from the sessions the gateway
// records (here appended as the gateway appends them).
func TestHistoryVerbPrintsSessions(t *testing.T) {
	cs, l := serveLog(t, "alice")
	do(t, cs["alice"], "POST", "/api/v1/namespaces/default/pods", "application/json",
		`{"apiVersion":"v1","kind":"Pod","metadata":{"name":"box"},"spec":{"containers":[{"name":"box","image":"jetplane/toolbox:1"}]}}`)
	start := time.Date(2026, 12, 3, 10, 0, 0, 0, time.UTC)
	rec, _ := json.Marshal(events.PodSessionRecord{Kind: events.SessionExec, Namespace: "default", Pod: "box", Node: "n1",
		Container: "box", Command: []string{"sh", "-c", "exit 3"}, User: "alice", Start: start, End: start.Add(time.Second),
		Exited: true, ExitCode: 3, BytesIn: 5, BytesOut: 7})
	if _, err := l.Append(context.Background(), &events.Event{ID: "s1", Source: "test", Type: events.PodSessionEndedType,
		Time: start, Actor: "alice", Resource: events.PodSessionsResource, Namespace: "default", Name: "box", Data: rec}, 0); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	if err := cs["alice"].History(context.Background(), client.HistoryOptions{Object: "pod/box"}, &out); err != nil {
		t.Fatal(err)
	}
	text := out.String()
	for _, want := range []string{"SESSIONS", "2026-12-03T10:00:00Z", "alice", "exec", "sh -c exit 3", "exit 3", "5/7"} {
		if !strings.Contains(text, want) {
			t.Fatalf("history lacks %q:\n%s", want, text)
		}
	}
}

func b64(b []byte) string { return base64.StdEncoding.EncodeToString(b) }

func TestRestoreVerbPlansThenRestores(t *testing.T) {
	cs := serve(t, "alice")
	c := cs["alice"]
	deploy := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"%s"},"spec":{"replicas":1,
"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
"spec":{"containers":[{"name":"web","image":"jetplane/hello:1"}]}}}}`
	do(t, c, "POST", "/apis/apps/v1/namespaces/default/deployments", "application/json", fmt.Sprintf(deploy, "web"))
	var h jetplaneapi.History
	if err := c.GetJSON(context.Background(), jetplaneapi.HistoryPath+"deployments/default/web", &h); err != nil {
		t.Fatal(err)
	}
	rev, _ := strconv.ParseUint(h.Revisions[0].ResourceVersion, 10, 64)
	do(t, c, "POST", "/apis/apps/v1/namespaces/default/deployments", "application/json", fmt.Sprintf(deploy, "later"))

	var out bytes.Buffer
	res, err := c.Restore(context.Background(), jetplaneapi.RestoreRequest{ToRevision: rev, DryRun: true}, &out)
	if err != nil || len(res.Changes) != 1 || !strings.Contains(out.String(), "delete   deployments   default     later") ||
		!strings.Contains(out.String(), "dry run: 1 changes") {
		t.Fatalf("dry run: %v\n%s", err, out.String())
	}
	out.Reset()
	if res, err = c.Restore(context.Background(), jetplaneapi.RestoreRequest{ToRevision: rev}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), fmt.Sprintf("undo with: jetplane restore --to-revision %d", res.UndoRevision)) {
		t.Fatalf("restore:\n%s", out.String())
	}
	if _, err := c.Do(context.Background(), "GET", "/apis/apps/v1/namespaces/default/deployments/later", nil, nil); !apierrors.IsNotFound(err) {
		t.Fatalf("later after restore: %v", err)
	}
}

func TestGetVerbShowsThePast(t *testing.T) {
	c := serve(t, "alice")["alice"]
	deploy := `{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web"},"spec":{"replicas":2,
"selector":{"matchLabels":{"app":"web"}},"template":{"metadata":{"labels":{"app":"web"}},
"spec":{"containers":[{"name":"web","image":"jetplane/hello:1"}]}}}}`
	do(t, c, "POST", "/apis/apps/v1/namespaces/default/deployments", "application/json", deploy)
	var h jetplaneapi.History
	if err := c.GetJSON(context.Background(), jetplaneapi.HistoryPath+"deployments/default/web", &h); err != nil {
		t.Fatal(err)
	}
	rev, _ := strconv.ParseUint(h.Revisions[0].ResourceVersion, 10, 64)
	do(t, c, "DELETE", "/apis/apps/v1/namespaces/default/deployments/web", "", "")

	var now, past bytes.Buffer
	if err := c.Get(context.Background(), client.GetOptions{Type: "deploy"}, &now); err != nil {
		t.Fatal(err)
	}
	if err := c.Get(context.Background(), client.GetOptions{Type: "deployments", Revision: rev}, &past); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(now.String(), "No resources found") {
		t.Fatalf("now:\n%s", now.String())
	}
	lines := strings.Split(past.String(), "\n")
	if !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "READY") || !strings.HasPrefix(lines[1], "web ") {
		t.Fatalf("at revision %d:\n%s", rev, past.String())
	}
}

// The verbs know a custom kind from the server's discovery: its history
// and its list, by kind, plural or short name.
func TestVerbsResolveCustomKindsFromDiscovery(t *testing.T) {
	cs := serve(t, "alice")
	crd := `{"apiVersion":"apiextensions.k8s.io/v1","kind":"CustomResourceDefinition","metadata":{"name":"widgets.example.com"},
"spec":{"group":"example.com","scope":"Namespaced","names":{"kind":"Widget","plural":"widgets","shortNames":["wd"]},
"versions":[{"name":"v1","served":true,"storage":true,"schema":{"openAPIV3Schema":{"type":"object",
"properties":{"spec":{"type":"object","properties":{"size":{"type":"integer"}}}}}}}]}}`
	do(t, cs["alice"], "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions", "application/json", crd)
	do(t, cs["alice"], "POST", "/apis/example.com/v1/namespaces/default/widgets", "application/json",
		`{"apiVersion":"example.com/v1","kind":"Widget","metadata":{"name":"w1"},"spec":{"size":1}}`)
	do(t, cs["alice"], "PATCH", "/apis/example.com/v1/namespaces/default/widgets/w1", "application/merge-patch+json", `{"spec":{"size":2}}`)
	var out bytes.Buffer
	if err := cs["alice"].History(context.Background(), client.HistoryOptions{Object: "wd/w1"}, &out); err != nil {
		t.Fatal(err)
	}
	if lines := strings.Split(strings.TrimSpace(out.String()), "\n"); len(lines) != 3 || !strings.Contains(lines[2], "updated") {
		t.Fatalf("history of a Widget:\n%s", out.String())
	}
	out.Reset()
	if err := cs["alice"].Get(context.Background(), client.GetOptions{Type: "widget", Revision: 0}, &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "w1") {
		t.Fatalf("get widget:\n%s", out.String())
	}
}
