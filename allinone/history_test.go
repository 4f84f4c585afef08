package allinone_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/client"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// as calls the gateway with a user's token and returns the status and body.
func as(t *testing.T, c *allinone.Cluster, token, method, path, contentType, body string) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, c.GatewayURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

func mustAs(t *testing.T, c *allinone.Cluster, token, method, path, contentType, body string, want int) []byte {
	t.Helper()
	code, out := as(t, c, token, method, path, contentType, body)
	if code != want {
		t.Fatalf("%s %s: %d %s", method, path, code, out)
	}
	return out
}

// TestHistoryAuditTimeTravelRestore is issue 7's acceptance: two users
// create, scale, update and delete a deployment; the audit stream, the
// history, the cluster as of before the delete and a restore all tell and
// undo what happened.
func TestHistoryAuditTimeTravelRestore(t *testing.T) {
	t.Parallel()
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: t.TempDir(), GatewayAddr: "127.0.0.1:0", NATSPort: -1,
		ImagesDir: imagesDir(t), Runtime: "process", NodeName: "node-1", Tokens: map[string]string{"tok-alice": "alice", "tok-bob": "bob"},
		IngressAddr: "-"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	const deploys = "/apis/apps/v1/namespaces/default/deployments"
	// alice and bob may do anything: this is a test of what history shows.
	if code, body := api(t, c, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", []byte(`{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": {"name": "history-users"},
		"roleRef": {"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cluster-admin"},
		"subjects": [{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"},
			{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"}]}`)); code != 201 {
		t.Fatalf("bind alice and bob: %d %s", code, body)
	}

	manifest, err := os.ReadFile("../examples/hello.yaml")
	if err != nil {
		t.Fatal(err)
	}
	docs := strings.Split(string(manifest), "\n---")
	deployJSON, err := yaml.YAMLToJSON([]byte(docs[0]))
	if err != nil {
		t.Fatal(err)
	}
	serviceJSON, err := yaml.YAMLToJSON([]byte(docs[1]))
	if err != nil {
		t.Fatal(err)
	}
	mustAs(t, c, "tok-alice", "POST", deploys, "application/json", string(deployJSON), http.StatusCreated)
	mustAs(t, c, "tok-alice", "POST", "/api/v1/namespaces/default/services", "application/json", string(serviceJSON), http.StatusCreated)
	waitHelloServing(t, c, 3)
	mustAs(t, c, "tok-bob", "PATCH", deploys+"/hello/scale", "application/merge-patch+json", `{"spec":{"replicas":2}}`, http.StatusOK)
	mustAs(t, c, "tok-alice", "PATCH", deploys+"/hello", "application/strategic-merge-patch+json",
		`{"spec":{"template":{"spec":{"containers":[{"name":"hello","image":"jetplane/hello:2"}]}}}}`, http.StatusOK)
	waitImageServing(t, c, 2, "jetplane/hello:2")

	var before appsv1.DeploymentList
	if err := json.Unmarshal(mustAs(t, c, "tok-alice", "GET", deploys, "", "", http.StatusOK), &before); err != nil {
		t.Fatal(err)
	}
	beforeDelete := before.ResourceVersion
	mustAs(t, c, "tok-bob", "DELETE", deploys+"/hello", "", "", http.StatusOK)
	eventstest.Eventually(t, 60*time.Second, func() error {
		if n := len(helloPods(t, c)); n != 0 {
			return fmt.Errorf("%d hello pods left after the delete", n)
		}
		return nil
	})

	// The audit stream: each user change with its actor, and the
	// controllers' consequences linked to it by correlation id.
	type ce struct {
		ID, Type, Actor, Correlation string
	}
	audit := func(query string) []ce {
		var out []ce
		body := mustAs(t, c, "tok-alice", "GET", jetplaneapi.AuditPath+query, "", "", http.StatusOK)
		for _, line := range strings.Split(strings.TrimSpace(string(body)), "\n") {
			var raw map[string]any
			if err := json.Unmarshal([]byte(line), &raw); err != nil {
				t.Fatalf("audit line %q: %v", line, err)
			}
			str := func(k string) string { s, _ := raw[k].(string); return s }
			out = append(out, ce{ID: str("id"), Type: str("type"), Actor: str("actor"), Correlation: str("correlationid")})
		}
		return out
	}
	var userChanges []string
	var created ce
	for _, e := range audit("?resource=deployments&namespace=default&name=hello") {
		if strings.HasPrefix(e.Actor, "system:") {
			continue
		}
		userChanges = append(userChanges, e.Actor+" "+strings.TrimPrefix(e.Type, "dev.jetplane.deployment."))
		if strings.HasSuffix(e.Type, ".created") {
			created = e
		}
	}
	if got := strings.Join(userChanges, ", "); got != "alice created, bob scaled, alice updated, bob deleted" {
		t.Fatalf("user changes in the audit stream: %s", got)
	}
	linked := audit("?correlationid=" + created.Correlation)
	sawReplicaSet := false
	for _, e := range linked {
		sawReplicaSet = sawReplicaSet || (e.Type == "dev.jetplane.replicaset.created" && e.Actor == "system:jetplane:replicacontroller")
	}
	if created.Correlation != created.ID || !sawReplicaSet {
		t.Fatalf("the create %+v is not linked to the ReplicaSet the controller made: %+v", created, linked)
	}

	// History lists the same changes; the cluster before the delete had the
	// deployment and its two pods.
	admin, err := client.FromKubeconfig(c.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	var hist bytes.Buffer
	if err := admin.History(context.Background(), client.HistoryOptions{Object: "deploy/hello"}, &hist); err != nil {
		t.Fatal(err)
	}
	// Each change a person made, by whom, with what it changed; the status
	// writes of the controllers are left out unless --all.
	for _, want := range [][2]string{{"alice", "created"}, {"bob", "scaled"}, {"alice", "updated"}, {"bob", "deleted"}} {
		found := false
		for _, line := range strings.Split(hist.String(), "\n") {
			f := strings.Fields(line)
			found = found || (len(f) >= 6 && f[3] == want[0] && f[5] == want[1])
		}
		if !found {
			t.Fatalf("history lacks %s by %s:\n%s", want[1], want[0], hist.String())
		}
	}
	if !strings.Contains(hist.String(), "replicas 3 → 2") {
		t.Fatalf("history does not say what the scale changed:\n%s", hist.String())
	}
	if strings.Contains(hist.String(), "status.") {
		t.Fatalf("history shows status writes without --all:\n%s", hist.String())
	}
	var all bytes.Buffer
	if err := admin.History(context.Background(), client.HistoryOptions{Object: "deploy/hello", All: true}, &all); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(all.String(), "status.") || strings.Count(all.String(), "\n") <= strings.Count(hist.String(), "\n") {
		t.Fatalf("--all adds no status writes:\n%s", all.String())
	}
	exact := "?resourceVersionMatch=Exact&resourceVersion=" + beforeDelete
	var pastDeploys appsv1.DeploymentList
	if err := json.Unmarshal(mustAs(t, c, "tok-alice", "GET", deploys+exact, "", "", http.StatusOK), &pastDeploys); err != nil {
		t.Fatal(err)
	}
	var pastPods corev1.PodList
	if err := json.Unmarshal(mustAs(t, c, "tok-alice", "GET", "/api/v1/namespaces/default/pods"+exact, "", "", http.StatusOK), &pastPods); err != nil {
		t.Fatal(err)
	}
	if len(pastDeploys.Items) != 1 || len(pastPods.Items) != 2 {
		t.Fatalf("as of %s: %d deployments, %d pods", beforeDelete, len(pastDeploys.Items), len(pastPods.Items))
	}

	// Restore to that revision: the deployment is back and its pods run.
	var rv uint64
	fmt.Sscan(beforeDelete, &rv)
	var out bytes.Buffer
	res, err := admin.Restore(context.Background(), jetplaneapi.RestoreRequest{ToRevision: rv}, &out)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "create   deployments   default     hello") {
		t.Fatalf("restore:\n%s", out.String())
	}
	waitImageServing(t, c, 2, "jetplane/hello:2")
	// The restore is audited: its own events are the admin's, and what the
	// controllers did about them is linked to it.
	byAdmin, consequences := 0, 0
	for _, e := range audit(fmt.Sprintf("?correlationid=%s", res.CorrelationID)) {
		switch {
		case e.Actor == "admin":
			byAdmin++
		case strings.HasPrefix(e.Actor, "system:"):
			consequences++
		default:
			t.Fatalf("restore event by %q", e.Actor)
		}
	}
	if byAdmin != len(res.Changes) || consequences == 0 {
		t.Fatalf("restore events: %d by admin for %d changes, %d consequences", byAdmin, len(res.Changes), consequences)
	}
}

// waitImageServing waits until n hello pods of image serve.
func waitImageServing(t *testing.T, c *allinone.Cluster, n int, image string) {
	t.Helper()
	eventstest.Eventually(t, 90*time.Second, func() error {
		ready := 0
		for _, p := range helloPods(t, c) {
			if p.DeletionTimestamp == nil && isReady(&p) && p.Spec.Containers[0].Image == image {
				ready++
			}
		}
		if ready != n {
			return fmt.Errorf("%d ready pods of %s, want %d", ready, image, n)
		}
		return nil
	})
	waitHelloServing(t, c, n)
}
