package gateway

import (
	"net/http"
	"os/exec"
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
)

// The RBAC kinds are served by the generic REST core: kubectl's create
// role/rolebinding/clusterrole/clusterrolebinding (typed clients, so
// protobuf bodies), the printer columns, and validation on update.
func TestRBACResourcesWithKubectl(t *testing.T) {
	if _, err := exec.LookPath("kubectl"); err != nil {
		t.Fatalf("kubectl is installed on every project machine: %v", err)
	}
	g := startGateway(t, map[string]string{"tok": "admin"})
	k := newKubectl(t, g, "tok")

	if out := k.must("", "create", "role", "pod-reader", "--verb=get,list,watch", "--resource=pods,pods/log"); !strings.Contains(out, "role.rbac.authorization.k8s.io/pod-reader created") {
		t.Fatalf("create role:\n%s", out)
	}
	out := k.must("", "create", "rolebinding", "read-pods", "--role=pod-reader", "--user=bob", "--group=devs", "--serviceaccount=default:builder")
	if !strings.Contains(out, "rolebinding.rbac.authorization.k8s.io/read-pods created") {
		t.Fatalf("create rolebinding:\n%s", out)
	}
	k.must("", "create", "clusterrole", "metrics-reader", "--verb=get", "--non-resource-url=/metrics")
	k.must("", "create", "clusterrolebinding", "read-metrics", "--clusterrole=metrics-reader", "--group=system:authenticated")

	var r rbacv1.Role
	g.must(http.StatusOK, "GET", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles/pod-reader", nil).into(t, &r)
	if len(r.Rules) != 1 || strings.Join(r.Rules[0].Resources, ",") != "pods,pods/log" || strings.Join(r.Rules[0].Verbs, ",") != "get,list,watch" {
		t.Fatalf("stored role %+v", r.Rules)
	}

	if out := k.must("", "get", "roles"); !strings.Contains(out, "CREATED AT") || !strings.Contains(out, "pod-reader") {
		t.Fatalf("get roles:\n%s", out)
	}
	out = k.must("", "get", "rolebindings", "-o", "wide")
	for _, want := range []string{"ROLE", "USERS", "SERVICEACCOUNTS", "Role/pod-reader", "bob", "devs", "default/builder"} {
		if !strings.Contains(out, want) {
			t.Fatalf("get rolebindings -o wide lacks %q:\n%s", want, out)
		}
	}
	if out := k.must("", "get", "clusterroles"); !strings.Contains(out, "metrics-reader") {
		t.Fatalf("get clusterroles:\n%s", out)
	}
	if out := k.must("", "get", "clusterrolebindings"); !strings.Contains(out, "ClusterRole/metrics-reader") {
		t.Fatalf("get clusterrolebindings:\n%s", out)
	}

	// Validation: roleRef is immutable, rules need verbs.
	patch := `{"roleRef":{"apiGroup":"rbac.authorization.k8s.io","kind":"ClusterRole","name":"admin"}}`
	if out, err := k.run("", "patch", "rolebinding", "read-pods", "--type=merge", "-p", patch); err == nil || !strings.Contains(out, "cannot change roleRef") {
		t.Fatalf("patch roleRef: %v\n%s", err, out)
	}
	bad := map[string]any{"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "Role",
		"metadata": map[string]any{"name": "broken"}, "rules": []any{map[string]any{"apiGroups": []string{""}, "resources": []string{"pods"}}}}
	st := g.must(http.StatusUnprocessableEntity, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/roles", bad).status(t)
	if !strings.Contains(st.Message, "rules[0].verbs: Required value") {
		t.Fatalf("role without verbs: %s", st.Message)
	}

	if out := k.must("", "delete", "rolebinding", "read-pods"); !strings.Contains(out, `rolebinding.rbac.authorization.k8s.io "read-pods" deleted`) {
		t.Fatalf("delete rolebinding:\n%s", out)
	}
}
