package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	appsv1 "k8s.io/api/apps/v1"
)

func TestRestoreToARevisionAndUndoIt(t *testing.T) {
	t.Parallel()
	g := startGateway(t, map[string]string{"tok-alice": "alice", "tok-bob": "bob"})
	path := "/apis/apps/v1/namespaces/default/deployments"
	g.token = "tok-alice"
	var web appsv1.Deployment
	g.must(http.StatusCreated, "POST", path, deployment("web", 2)).into(t, &web)
	g.must(http.StatusCreated, "POST", path, deployment("gone", 1))
	var before appsv1.DeploymentList
	g.must(http.StatusOK, "GET", path, nil).into(t, &before)
	n := before.ResourceVersion

	g.token = "tok-bob"
	g.must(http.StatusOK, "PATCH", path+"/web", `[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"jetplane/hello:2"}]`,
		"Content-Type", "application/json-patch+json")
	g.must(http.StatusOK, "DELETE", path+"/gone", nil)
	g.must(http.StatusCreated, "POST", path, deployment("extra", 1))

	plan := func(body string) jetplaneapi.RestoreResult {
		var res jetplaneapi.RestoreResult
		g.must(http.StatusOK, "POST", jetplaneapi.RestorePath, body).into(t, &res)
		return res
	}
	summary := func(res jetplaneapi.RestoreResult) string {
		var out []string
		for _, c := range res.Changes {
			out = append(out, c.Action+" "+c.Name)
		}
		return fmt.Sprint(out)
	}
	dry := plan(`{"toRevision":` + n + `,"dryRun":true}`)
	if got := summary(dry); got != "[create gone update web delete extra]" {
		t.Fatalf("dry run: %s", got)
	}
	var still appsv1.Deployment
	g.must(http.StatusOK, "GET", path+"/web", nil).into(t, &still)
	if still.Spec.Template.Spec.Containers[0].Image != "jetplane/hello:2" {
		t.Fatal("a dry run changed the deployment")
	}

	g.token = "tok-alice"
	res := plan(`{"toRevision":` + n + `}`)
	if summary(res) != summary(dry) || res.CorrelationID == "" {
		t.Fatalf("restore: %+v", res)
	}
	var now appsv1.Deployment
	g.must(http.StatusOK, "GET", path+"/web", nil).into(t, &now)
	if now.Spec.Template.Spec.Containers[0].Image != "jetplane/hello:1" || now.UID != web.UID {
		t.Fatalf("web after restore: %+v", now.Spec.Template.Spec.Containers)
	}
	var gone appsv1.Deployment
	g.must(http.StatusOK, "GET", path+"/gone", nil).into(t, &gone)
	g.must(http.StatusNotFound, "GET", path+"/extra", nil)
	// Every compensating event is alice's and carries the restore's id.
	linked := auditLines(t, g, "?correlationid="+res.CorrelationID)
	if len(linked) != 3 {
		t.Fatalf("events of the restore: %d", len(linked))
	}
	for _, ce := range linked {
		if ext(ce, "actor") != "alice" {
			t.Fatalf("restore event by %q", ext(ce, "actor"))
		}
	}

	// The restore is undone by restoring to the revision before it.
	undo := plan(fmt.Sprintf(`{"toRevision":%d}`, res.UndoRevision))
	if got := summary(undo); got != "[create extra update web delete gone]" {
		t.Fatalf("undo: %s", got)
	}
	g.must(http.StatusOK, "GET", path+"/web", nil).into(t, &now)
	if now.Spec.Template.Spec.Containers[0].Image != "jetplane/hello:2" {
		t.Fatalf("web after undo: %+v", now.Spec.Template.Spec.Containers)
	}

	for _, bad := range []string{`{}`, `{"toRevision":"x"}`, `not json`} {
		g.must(http.StatusBadRequest, "POST", jetplaneapi.RestorePath, bad).status(t)
	}
	g.must(http.StatusGatewayTimeout, "POST", jetplaneapi.RestorePath, `{"toRevision":99999}`).status(t)
	g.must(http.StatusMethodNotAllowed, "GET", jetplaneapi.RestorePath, nil).status(t)
}

// A restore is no way around RBAC: each change it would make must be one
// the user may make, or nothing is written.
func TestRestoreAuthorizesEachChange(t *testing.T) {
	t.Parallel()
	g := startGatewayUnbound(t, map[string]string{"tok-eve": "eve"})
	path := "/apis/apps/v1/namespaces/default/deployments"
	var before appsv1.DeploymentList
	g.must(http.StatusOK, "GET", path, nil).into(t, &before)
	g.must(http.StatusCreated, "POST", path, deployment("late", 1))
	// eve may restore, and nothing else.
	g.must(http.StatusCreated, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": map[string]any{"name": "restorer"},
		"rules": []map[string]any{{"apiGroups": []string{"jetplane.dev"}, "resources": []string{"restore"}, "verbs": []string{"create"}}}})
	g.must(http.StatusCreated, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": map[string]any{"name": "eve-restores"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "restorer"},
		"subjects": []map[string]any{{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "eve"}}})
	eve := *g
	eve.token = "tok-eve"
	body := fmt.Sprintf(`{"toRevision": %s, "namespace": "default"}`, before.ResourceVersion)
	st := eve.must(http.StatusForbidden, "POST", jetplaneapi.RestorePath, body).status(t)
	if want := `User "eve" cannot delete resource "deployments" in API group "apps" in the namespace "default"`; !strings.Contains(st.Message, want) {
		t.Fatalf("restore by eve: %s", st.Message)
	}
	g.must(http.StatusOK, "GET", path+"/late", nil) // nothing was written
}
