package gateway

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"
)

// A user bound to edit in one namespace, driven through a real kubectl:
// who they are, what they may do there and elsewhere, and the messages
// kube-apiserver gives.
func TestKubectlAuthWithRBAC(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Fatalf("kubectl is installed on every project machine: %v", err)
	}
	g := startGatewayUnbound(t, map[string]string{"tok-bob": "bob"})
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": "dev"}})
	g.must(http.StatusCreated, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings", map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
		"metadata": map[string]any{"name": "bob-edits"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
		"subjects": []map[string]any{{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "bob"}}})
	bob := newKubectl(t, g, "tok-bob")

	if out := bob.must("", "auth", "whoami"); !strings.Contains(out, "bob") || !strings.Contains(out, "system:authenticated") {
		t.Fatalf("whoami:\n%s", out)
	}
	if out := bob.must("", "auth", "can-i", "create", "deployments", "-n", "dev"); strings.TrimSpace(out) != "yes" {
		t.Fatalf("can-i create deployments in dev: %q", out)
	}
	if out, err := bob.run("", "auth", "can-i", "create", "deployments", "-n", "default"); err == nil || strings.TrimSpace(out) != "no" {
		t.Fatalf("can-i create deployments in default: %q %v", out, err)
	}
	bob.must("", "create", "deployment", "web", "--image=jetplane/hello:1", "-n", "dev")
	out, err := bob.run("", "create", "deployment", "web", "--image=jetplane/hello:1", "-n", "default")
	want := `deployments.apps is forbidden: User "bob" cannot create resource "deployments" in API group "apps" in the namespace "default"`
	if err == nil || !strings.Contains(out, want) {
		t.Fatalf("create in default: %v\n%s", err, out)
	}
	out, err = bob.run("", "create", "clusterrolebinding", "bob-admin", "--clusterrole=cluster-admin", "--user=bob")
	if err == nil || !strings.Contains(out, `User "bob" cannot create resource "clusterrolebindings" in API group "rbac.authorization.k8s.io" at the cluster scope`) {
		t.Fatalf("create clusterrolebinding: %v\n%s", err, out)
	}
	list := bob.must("", "auth", "can-i", "--list", "-n", "dev")
	if !strings.Contains(list, "deployments.apps") || !strings.Contains(list, "selfsubjectaccessreviews.authorization.k8s.io") {
		t.Fatalf("can-i --list:\n%s", list)
	}
	// The admin acting as bob (kubectl --as) gets bob's answers, and what
	// it writes is bob's, with the admin kept beside him.
	admin := newKubectl(t, g, adminToken)
	if out, err := admin.run("", "auth", "can-i", "create", "deployments", "-n", "default", "--as=bob"); err == nil || strings.TrimSpace(out) != "no" {
		t.Fatalf("can-i as bob in default: %q %v", out, err)
	}
	if out := admin.must("", "auth", "can-i", "create", "deployments", "-n", "dev", "--as=bob"); strings.TrimSpace(out) != "yes" {
		t.Fatalf("can-i as bob in dev: %q", out)
	}
	if out := admin.must("", "auth", "whoami", "--as=bob", "--as-group=dev-team"); !strings.Contains(out, "bob") || !strings.Contains(out, "dev-team") {
		t.Fatalf("whoami as bob:\n%s", out)
	}
	admin.must("", "create", "deployment", "api", "--image=jetplane/hello:1", "-n", "dev", "--as=bob")
	var d struct {
		Metadata struct{ ResourceVersion string } `json:"metadata"`
	}
	g.must(http.StatusOK, "GET", "/apis/apps/v1/namespaces/dev/deployments/api", nil).into(t, &d)
	if ev := getEvent(t, g, d.Metadata.ResourceVersion); ev.Actor != "bob" || ev.Impersonator != "test-admin" {
		t.Fatalf("impersonated write: actor %q impersonator %q", ev.Actor, ev.Impersonator)
	}
	// bob may not impersonate anyone.
	out, err = bob.run("", "get", "pods", "-n", "dev", "--as=test-admin")
	if err == nil || !strings.Contains(out, `users "test-admin" is forbidden: User "bob" cannot impersonate resource "users" in API group "" at the cluster scope`) {
		t.Fatalf("bob impersonating: %v\n%s", err, out)
	}

	// Without credentials a request is anonymous, which is off: 401.
	anon := *g
	anon.token = ""
	if st := anon.must(http.StatusUnauthorized, "GET", podsPath("dev"), nil).status(t); st.Message != "Unauthorized" {
		t.Fatalf("anonymous: %+v", st)
	}
}

// A namespace admin may hand out what they hold there, never more: the
// escalate and bind checks of kube-apiserver's RBAC storage.
func TestRBACEscalationPrevention(t *testing.T) {
	t.Parallel()
	g := startGatewayUnbound(t, map[string]string{"tok-carol": "carol"})
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": "dev"}})
	binding := func(name, kind, role, user string) map[string]any {
		return map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
			"metadata": map[string]any{"name": name},
			"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": kind, "name": role},
			"subjects": []map[string]any{{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": user}}}
	}
	const bindings = "/apis/rbac.authorization.k8s.io/v1/namespaces/dev/rolebindings"
	const roles = "/apis/rbac.authorization.k8s.io/v1/namespaces/dev/roles"
	g.must(http.StatusCreated, "POST", bindings, binding("carol-admin", "ClusterRole", "admin", "carol"))
	carol := *g
	carol.token = "tok-carol"

	// What admin holds in dev, carol may grant there.
	carol.must(http.StatusCreated, "POST", bindings, binding("dave-edits", "ClusterRole", "edit", "dave"))
	carol.must(http.StatusCreated, "POST", roles, map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
		"metadata": map[string]any{"name": "pod-reader"},
		"rules":    []map[string]any{{"apiGroups": []string{""}, "resources": []string{"pods"}, "verbs": []string{"get", "list"}}}})
	// Not what she does not hold.
	st := carol.must(http.StatusForbidden, "POST", bindings, binding("dave-everything", "ClusterRole", "cluster-admin", "dave")).status(t)
	if !strings.Contains(st.Message, `user "carol"`) || !strings.Contains(st.Message, "is attempting to grant RBAC permissions not currently held") {
		t.Fatalf("binding cluster-admin: %s", st.Message)
	}
	st = carol.must(http.StatusForbidden, "POST", roles, map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
		"metadata": map[string]any{"name": "nodes-too"},
		"rules":    []map[string]any{{"apiGroups": []string{"*"}, "resources": []string{"*"}, "verbs": []string{"*"}}}}).status(t)
	if !strings.Contains(st.Message, "is attempting to grant RBAC permissions not currently held") {
		t.Fatalf("role with every right: %s", st.Message)
	}
	// A binding to a role that does not exist cannot be shown to grant
	// nothing more: refused, and nothing is stored.
	carol.must(http.StatusForbidden, "POST", bindings, binding("ghost", "Role", "no-such-role", "dave"))
	g.must(http.StatusNotFound, "GET", bindings+"/ghost", nil)
}

// An aggregationRule makes a ClusterRole whatever it selects: writing one
// takes the escalate verb, as in kube-apiserver.
func TestAggregationRuleTakesEscalate(t *testing.T) {
	t.Parallel()
	g := startGatewayUnbound(t, map[string]string{"tok-frank": "frank"})
	g.must(http.StatusCreated, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": map[string]any{"name": "role-writer"},
		"rules": []map[string]any{{"apiGroups": []string{"rbac.authorization.k8s.io"}, "resources": []string{"clusterroles"},
			"verbs": []string{"create", "get", "list"}}}})
	g.must(http.StatusCreated, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": map[string]any{"name": "frank-writes-roles"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "role-writer"},
		"subjects": []map[string]any{{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "frank"}}})
	frank := *g
	frank.token = "tok-frank"
	frank.must(http.StatusForbidden, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": map[string]any{"name": "everything"},
		"aggregationRule": map[string]any{"clusterRoleSelectors": []map[string]any{{"matchLabels": map[string]string{
			"kubernetes.io/bootstrapping": "rbac-defaults"}}}}})
	// A role with rules he holds he may write.
	frank.must(http.StatusCreated, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRole", "metadata": map[string]any{"name": "role-reader"},
		"rules": []map[string]any{{"apiGroups": []string{"rbac.authorization.k8s.io"}, "resources": []string{"clusterroles"},
			"verbs": []string{"get", "list"}}}})
}

// The audit stream answers whom RBAC lets read it: bound to
// jetplane:auditor, a user reads it with no NATS credentials; without, 403.
func TestAuditStreamIsAuthorized(t *testing.T) {
	t.Parallel()
	g := startGatewayUnbound(t, map[string]string{"tok-alice": "alice", "tok-bob": "bob"})
	alice, bob := *g, *g
	alice.token, bob.token = "tok-alice", "tok-bob"
	st := alice.must(http.StatusForbidden, "GET", "/apis/jetplane.dev/v1/audit", nil).status(t)
	if !strings.Contains(st.Message, `User "alice" cannot list resource "audit" in API group "jetplane.dev"`) {
		t.Fatalf("audit before the binding: %s", st.Message)
	}
	g.must(http.StatusCreated, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "ClusterRoleBinding", "metadata": map[string]any{"name": "alice-audits"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "jetplane:auditor"},
		"subjects": []map[string]any{{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "alice"}}})
	if r := alice.must(http.StatusOK, "GET", "/apis/jetplane.dev/v1/audit", nil); !strings.Contains(string(r.body), "dev.jetplane.") {
		t.Fatalf("alice's audit: %.200s", r.body)
	}
	bob.must(http.StatusForbidden, "GET", "/apis/jetplane.dev/v1/audit", nil)
}
