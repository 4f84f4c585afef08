package authz

import (
	"strings"
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var (
	bob   = UserInfo{Name: "bob", Groups: []string{SystemAuthenticated}}
	alice = UserInfo{Name: "alice", Groups: []string{"devs", SystemAuthenticated}}
	root  = UserInfo{Name: "root", Groups: []string{SystemMasters}}
	sa    = UserInfo{Name: ServiceAccountUser("ci", "builder"), Groups: []string{"system:serviceaccounts", SystemAuthenticated}}
	anon  = UserInfo{Name: "system:anonymous", Groups: []string{SystemUnauthenticated}}
)

func rb(ns, name string, ref rbacv1.RoleRef, subjects ...rbacv1.Subject) rbacv1.RoleBinding {
	return rbacv1.RoleBinding{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: name}, RoleRef: ref, Subjects: subjects}
}

func roleRef(kind, name string) rbacv1.RoleRef {
	return rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: kind, Name: name}
}

// testPolicy: bob reads pods (and their logs) in default through a Role;
// group devs edits in team-a through the edit ClusterRole; the ci builder
// service account may patch one deployment and get any */scale; bob may
// read /metrics and /logs/* everywhere.
func testPolicy() *StaticPolicy {
	p := BootstrapPolicy()
	p.Roles = []rbacv1.Role{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "pod-reader"}, Rules: []rbacv1.PolicyRule{
			rule(readVerbs, "", "pods", "pods/log")}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "ci", Name: "deployer"}, Rules: []rbacv1.PolicyRule{
			{Verbs: []string{"get", "patch"}, APIGroups: []string{"apps"}, Resources: []string{"deployments"}, ResourceNames: []string{"web"}},
			rule([]string{"get"}, "*", "*/scale")}},
	}
	p.ClusterRoles = append(p.ClusterRoles, rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "metrics"},
		Rules: []rbacv1.PolicyRule{urlRule([]string{"get"}, "/metrics", "/logs/*")}})
	p.RoleBindings = []rbacv1.RoleBinding{
		rb("default", "bob-reads", roleRef("Role", "pod-reader"), user("bob")),
		rb("team-a", "devs-edit", roleRef("ClusterRole", "edit"), group("devs")),
		// Subject without a namespace: the builder of the binding's namespace.
		rb("ci", "builder", roleRef("Role", "deployer"), rbacv1.Subject{Kind: rbacv1.ServiceAccountKind, Name: "builder"}),
		// A RoleBinding naming a Role of another namespace grants nothing.
		rb("other", "bob-reads", roleRef("Role", "pod-reader"), user("bob")),
	}
	p.ClusterRoleBindings = append(p.ClusterRoleBindings, binding("bob-metrics", "metrics", user("bob")))
	return p
}

func res(u UserInfo, verb, group, resource, sub, ns, name string) Attributes {
	return Attributes{User: u, Verb: verb, APIGroup: group, Resource: resource, Subresource: sub, Namespace: ns,
		Name: name, ResourceRequest: true}
}

func path(u UserInfo, verb, p string) Attributes {
	return Attributes{User: u, Verb: verb, Path: p}
}

func TestAuthorize(t *testing.T) {
	p := testPolicy()
	tests := []struct {
		name  string
		attrs Attributes
		allow bool
	}{
		{"role grants in its namespace", res(bob, "list", "", "pods", "", "default", ""), true},
		{"get one pod", res(bob, "get", "", "pods", "", "default", "web-1"), true},
		{"subresource named in the rule", res(bob, "get", "", "pods", "log", "default", "web-1"), true},
		{"other subresource not granted", res(bob, "create", "", "pods", "exec", "default", "web-1"), false},
		{"verb not granted", res(bob, "delete", "", "pods", "", "default", "web-1"), false},
		{"other group not granted", res(bob, "list", "apps", "pods", "", "default", ""), false},
		{"not in another namespace", res(bob, "list", "", "pods", "", "kube-system", ""), false},
		{"a RoleBinding does not grant cluster-wide", res(bob, "list", "", "pods", "", "", ""), false},
		{"Role of another namespace is not found", res(bob, "list", "", "pods", "", "other", ""), false},

		{"group via edit ClusterRole", res(alice, "create", "apps", "deployments", "", "team-a", ""), true},
		{"edit reads secrets", res(alice, "get", "", "secrets", "", "team-a", "db"), true},
		{"edit exec", res(alice, "create", "", "pods", "exec", "team-a", "p"), true},
		{"edit reads pods via view", res(alice, "watch", "", "pods", "", "team-a", ""), true},
		{"edit does not write roles (admin only)", res(alice, "create", rbacv1.GroupName, "roles", "", "team-a", ""), false},
		{"edit does not write status", res(alice, "update", "apps", "deployments", "status", "team-a", "d"), false},
		{"edit only in its binding's namespace", res(alice, "create", "apps", "deployments", "", "default", ""), false},

		{"resourceNames: the named one", res(sa, "patch", "apps", "deployments", "", "ci", "web"), true},
		{"resourceNames: another name", res(sa, "patch", "apps", "deployments", "", "ci", "api"), false},
		{"resourceNames: list has no name", res(sa, "list", "apps", "deployments", "", "ci", ""), false},
		{"resourceNames: named subresource is another resource", res(sa, "patch", "apps", "deployments", "status", "ci", "web"), false},
		{"*/scale of any resource", res(sa, "get", "apps", "replicasets", "scale", "ci", "x"), true},
		{"*/scale is not the resource", res(sa, "get", "apps", "replicasets", "", "ci", "x"), false},
		{"service account in another namespace", res(UserInfo{Name: ServiceAccountUser("default", "builder")}, "get", "apps", "deployments", "", "ci", "web"), false},

		{"non-resource exact", path(bob, "get", "/metrics"), true},
		{"non-resource prefix", path(bob, "get", "/logs/kube-apiserver.log"), true},
		{"non-resource prefix needs the prefix", path(bob, "get", "/logsx"), false},
		{"non-resource verb", path(bob, "post", "/metrics"), false},
		{"discovery for the authenticated", path(bob, "get", "/apis/apps/v1"), true},
		{"discovery not for the anonymous", path(anon, "get", "/api"), false},
		{"health for the anonymous", path(anon, "get", "/healthz"), true},
		{"basic user reviews itself", res(bob, "create", "authorization.k8s.io", "selfsubjectaccessreviews", "", "", ""), true},

		{"system:masters may do anything", res(root, "delete", "", "nodes", "", "", "n1"), true},
		{"system:masters paths too", path(root, "get", "/debug/pprof"), true},
		{"nobody else", res(UserInfo{Name: "eve"}, "get", "", "pods", "", "default", "x"), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Authorize(p, tt.attrs)
			if d.Allowed != tt.allow {
				t.Errorf("allowed %v, want %v (reason %q)", d.Allowed, tt.allow, d.Reason)
			}
		})
	}
}

func TestAuthorizeWildcards(t *testing.T) {
	p := &StaticPolicy{
		ClusterRoles: []rbacv1.ClusterRole{{ObjectMeta: metav1.ObjectMeta{Name: "ops"}, Rules: []rbacv1.PolicyRule{
			{Verbs: []string{"*"}, APIGroups: []string{"apps"}, Resources: []string{"*"}},
			{Verbs: []string{"get"}, APIGroups: []string{"*"}, Resources: []string{"nodes"}},
			{Verbs: []string{"*"}, NonResourceURLs: []string{"*"}},
		}}},
		ClusterRoleBindings: []rbacv1.ClusterRoleBinding{binding("ops", "ops", user("ops"))},
	}
	ops := UserInfo{Name: "ops"}
	for _, tt := range []struct {
		attrs Attributes
		allow bool
	}{
		{res(ops, "deletecollection", "apps", "deployments", "", "x", ""), true},
		{res(ops, "update", "apps", "deployments", "scale", "x", "d"), true}, // "*" covers subresources
		{res(ops, "get", "", "nodes", "", "", "n"), true},
		{res(ops, "get", "", "nodes", "status", "", "n"), false},
		{res(ops, "list", "", "nodes", "", "", ""), false},
		{path(ops, "delete", "/anything/at/all"), true},
	} {
		if d := Authorize(p, tt.attrs); d.Allowed != tt.allow {
			t.Errorf("%+v: allowed %v, want %v", tt.attrs, d.Allowed, tt.allow)
		}
	}
}

func TestAuthorizeReasons(t *testing.T) {
	p := testPolicy()
	tests := []struct {
		name  string
		attrs Attributes
		want  string
	}{
		{"role binding", res(bob, "get", "", "pods", "", "default", "x"), `RBAC: allowed by RoleBinding "bob-reads/default" of Role "pod-reader" to User "bob"`},
		{"cluster role binding", path(bob, "get", "/metrics"), `RBAC: allowed by ClusterRoleBinding "bob-metrics" of ClusterRole "metrics" to User "bob"`},
		{"service account", res(sa, "get", "apps", "deployments", "", "ci", "web"),
			`RBAC: allowed by RoleBinding "builder/ci" of Role "deployer" to ServiceAccount "builder/ci"`},
		{"masters", res(root, "get", "", "pods", "", "", ""), "member of system:masters"},
		{"plain deny has no reason", res(alice, "get", "", "pods", "", "default", "x"), ""},
		{"missing role", res(bob, "delete", "", "pods", "", "other", "x"), `RBAC: role.rbac.authorization.k8s.io "pod-reader" not found`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := Authorize(p, tt.attrs).Reason; got != tt.want {
				t.Errorf("reason %q, want %q", got, tt.want)
			}
		})
	}
}

func TestForbiddenMessage(t *testing.T) {
	tests := []struct {
		attrs Attributes
		want  string
	}{
		{res(bob, "list", "", "pods", "", "default", ""), `User "bob" cannot list resource "pods" in API group "" in the namespace "default"`},
		{res(bob, "get", "", "pods", "log", "default", "web"), `User "bob" cannot get resource "pods/log" in API group "" in the namespace "default"`},
		{res(bob, "list", "", "nodes", "", "", ""), `User "bob" cannot list resource "nodes" in API group "" at the cluster scope`},
		{res(bob, "create", "apps", "deployments", "", "team-a", ""), `User "bob" cannot create resource "deployments" in API group "apps" in the namespace "team-a"`},
		{path(bob, "get", "/metrics"), `User "bob" cannot get path "/metrics"`},
		{path(bob, "get", "/<script>&"), `User "bob" cannot get path "/&lt;script&gt;&amp;"`},
	}
	for _, tt := range tests {
		if got := ForbiddenMessage(tt.attrs); got != tt.want {
			t.Errorf("message %q, want %q", got, tt.want)
		}
	}
	err := Forbidden(res(bob, "get", "apps", "deployments", "", "default", "web"), Decision{})
	if got, want := err.Error(), `deployments.apps "web" is forbidden: User "bob" cannot get resource "deployments" in API group "apps" in the namespace "default"`; got != want {
		t.Errorf("error %q, want %q", got, want)
	}
	if err.Status().Code != 403 || err.Status().Reason != metav1.StatusReasonForbidden {
		t.Errorf("status %+v", err.Status())
	}
	err = Forbidden(res(bob, "list", "", "pods", "", "x", ""), Decision{Reason: "RBAC: role.rbac.authorization.k8s.io \"r\" not found"})
	if !strings.HasPrefix(err.Error(), `pods is forbidden: User "bob" cannot list`) || !strings.HasSuffix(err.Error(), `"x": RBAC: role.rbac.authorization.k8s.io "r" not found`) {
		t.Errorf("error %q", err)
	}
	if got := Forbidden(path(bob, "get", "/metrics"), Decision{}).Error(); got != `forbidden: User "bob" cannot get path "/metrics"` {
		t.Errorf("non-resource error %q", got)
	}
}
