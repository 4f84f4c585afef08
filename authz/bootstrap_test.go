package authz

import (
	"testing"

	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestBootstrapObjects(t *testing.T) {
	roles, bindings := Bootstrap()
	p := &StaticPolicy{ClusterRoles: roles, ClusterRoleBindings: bindings}
	names := map[string]bool{}
	for _, r := range roles {
		if names[r.Name] {
			t.Errorf("clusterrole %s twice", r.Name)
		}
		names[r.Name] = true
		if r.Labels[BootstrappingLabel] != "rbac-defaults" || r.Annotations[AutoupdateAnnotation] != "true" {
			t.Errorf("clusterrole %s: labels %v annotations %v", r.Name, r.Labels, r.Annotations)
		}
	}
	for _, want := range []string{"cluster-admin", "admin", "edit", "view", "system:basic-user", "system:discovery",
		"system:public-info-viewer", GatewayUser, SchedulerUser, ReplicaControllerUser, EndpointControllerUser} {
		if !names[want] {
			t.Errorf("no clusterrole %s", want)
		}
	}
	for _, b := range bindings {
		if _, err := ClusterRoleRules(p, b.RoleRef.Name); err != nil || b.RoleRef.APIGroup != rbacv1.GroupName {
			t.Errorf("binding %s: %v", b.Name, err)
		}
		if b.Labels[BootstrappingLabel] != "rbac-defaults" || b.Annotations[AutoupdateAnnotation] != "true" {
			t.Errorf("binding %s: labels %v annotations %v", b.Name, b.Labels, b.Annotations)
		}
	}
	for _, tt := range []struct{ role, label string }{{"edit", AggregateToAdmin}, {"view", AggregateToEdit},
		{"system:aggregate-to-view", AggregateToView}} {
		r, _ := p.GetClusterRole(tt.role)
		if r.Labels[tt.label] != "true" {
			t.Errorf("%s lacks %s", tt.role, tt.label)
		}
	}
}

// bound gives u the ClusterRole role through a RoleBinding in ns, as an
// admin hands out admin/edit/view.
func bound(role, ns string, u UserInfo) *StaticPolicy {
	p := BootstrapPolicy()
	p.RoleBindings = []rbacv1.RoleBinding{{ObjectMeta: metav1.ObjectMeta{Namespace: ns, Name: role},
		RoleRef: roleRef("ClusterRole", role), Subjects: []rbacv1.Subject{user(u.Name)}}}
	return p
}

func TestBootstrapUserRoles(t *testing.T) {
	u := UserInfo{Name: "u", Groups: []string{SystemAuthenticated}}
	for _, tt := range []struct {
		role  string
		attrs Attributes
		allow bool
	}{
		{"view", res(u, "list", "", "pods", "", "ns", ""), true},
		{"view", res(u, "get", "", "pods", "log", "ns", "p"), true},
		{"view", res(u, "get", "apps", "deployments", "scale", "ns", "d"), true},
		{"view", res(u, "list", "discovery.k8s.io", "endpointslices", "", "ns", ""), true},
		{"view", res(u, "get", "", "secrets", "", "ns", "s"), false},
		{"view", res(u, "create", "", "pods", "", "ns", ""), false},
		{"view", res(u, "list", rbacv1.GroupName, "roles", "", "ns", ""), false},
		{"edit", res(u, "get", "", "secrets", "", "ns", "s"), true},
		{"edit", res(u, "patch", "apps", "deployments", "scale", "ns", "d"), true},
		{"edit", res(u, "create", "batch", "cronjobs", "", "ns", ""), true},
		{"edit", res(u, "delete", "networking.k8s.io", "ingresses", "", "ns", "i"), true},
		{"edit", res(u, "create", "", "pods", "portforward", "ns", "p"), true},
		{"edit", res(u, "update", "", "replicationcontrollers", "scale", "ns", "rc"), true},
		{"edit", res(u, "create", rbacv1.GroupName, "rolebindings", "", "ns", ""), false},
		{"view", res(u, "list", "", "serviceaccounts", "", "ns", ""), true},
		{"view", res(u, "create", "", "serviceaccounts", "token", "ns", "sa"), false},
		{"edit", res(u, "create", "", "serviceaccounts", "", "ns", ""), true},
		{"edit", res(u, "get", "", "serviceaccounts", "", "ns", "sa"), true},
		{"edit", res(u, "create", "", "serviceaccounts", "token", "ns", "sa"), true},
		{"admin", res(u, "delete", "", "serviceaccounts", "", "ns", "sa"), true},
		{"admin", res(u, "create", rbacv1.GroupName, "rolebindings", "", "ns", ""), true},
		{"admin", res(u, "list", rbacv1.GroupName, "roles", "", "ns", ""), true},
		{"admin", res(u, "create", rbacv1.GroupName, "clusterroles", "", "", ""), false},
		{"admin", res(u, "delete", "", "namespaces", "", "", "ns"), false},
		{"admin", res(u, "list", "", "pods", "", "other", ""), false},
		{"cluster-admin", res(u, "delete", "", "nodes", "", "ns", "n"), true},
	} {
		if d := Authorize(bound(tt.role, "ns", u), tt.attrs); d.Allowed != tt.allow {
			t.Errorf("%s: %s: allowed %v, want %v", tt.role, ForbiddenMessage(tt.attrs), d.Allowed, tt.allow)
		}
	}
}

// A ServiceAccount bound to nothing has what Kubernetes gives every
// ServiceAccount: what authenticated users have, and issuer discovery.
func TestBootstrapServiceAccounts(t *testing.T) {
	p := BootstrapPolicy()
	sa := UserInfo{Name: ServiceAccountUser("dev", "bot"),
		Groups: []string{SystemServiceAccounts, SystemServiceAccounts + ":dev", SystemAuthenticated}}
	alice := UserInfo{Name: "alice", Groups: []string{SystemAuthenticated}}
	for _, tt := range []struct {
		attrs Attributes
		allow bool
	}{
		{path(sa, "get", "/.well-known/openid-configuration"), true},
		{path(sa, "get", "/openid/v1/jwks"), true},
		{path(alice, "get", "/openid/v1/jwks"), false},
		{path(sa, "get", "/apis/apps/v1"), true},
		{res(sa, "create", "authorization.k8s.io", "selfsubjectaccessreviews", "", "", ""), true},
		{res(sa, "list", "", "pods", "", "dev", ""), false},
		{res(sa, "get", "", "serviceaccounts", "", "dev", "bot"), false},
		{res(sa, "create", "", "serviceaccounts", "token", "dev", "bot"), false},
	} {
		if d := Authorize(p, tt.attrs); d.Allowed != tt.allow {
			t.Errorf("%s: allowed %v, want %v", ForbiddenMessage(tt.attrs), d.Allowed, tt.allow)
		}
	}
}

func TestBootstrapServiceIdentities(t *testing.T) {
	p := BootstrapPolicy()
	svc := func(name string) UserInfo { return UserInfo{Name: name, Groups: []string{SystemAuthenticated}} }
	node := UserInfo{Name: "system:node:n1", Groups: []string{SystemNodes, SystemAuthenticated}}
	gw, sched, rc, ep := svc(GatewayUser), svc(SchedulerUser), svc(ReplicaControllerUser), svc(EndpointControllerUser)
	for _, tt := range []struct {
		attrs Attributes
		allow bool
	}{
		{res(gw, "watch", "apps", "deployments", "", "", ""), true},
		{res(gw, "list", rbacv1.GroupName, "clusterrolebindings", "", "", ""), true},
		{res(gw, "create", "", "namespaces", "", "", ""), true},
		{res(gw, "delete", "", "pods", "", "default", "p"), false},
		{res(gw, "create", "", "serviceaccounts", "", "kube-system", ""), true},
		{res(rc, "create", "", "serviceaccounts", "", "dev", ""), true},

		{res(sched, "create", "", "pods", "binding", "default", "p"), true},
		{res(sched, "patch", "", "pods", "status", "default", "p"), true},
		{res(sched, "list", "", "nodes", "", "", ""), true},
		{res(sched, "delete", "", "pods", "", "default", "p"), false},
		{res(sched, "update", "", "nodes", "", "", "n1"), false},

		{res(rc, "create", "", "pods", "", "default", ""), true},
		{res(rc, "update", "apps", "replicasets", "status", "default", "rs"), true},
		{res(rc, "update", "apps", "deployments", "finalizers", "default", "d"), true},
		{res(rc, "create", "batch", "jobs", "", "default", ""), true},
		{res(rc, "patch", "", "nodes", "", "", "n1"), true},
		{res(rc, "create", "", "services", "", "default", ""), false},
		{res(rc, "create", "", "endpoints", "", "default", ""), false},
		{res(rc, "delete", rbacv1.GroupName, "rolebindings", "", "gone", "b"), true}, // a deleted namespace's objects
		{res(rc, "patch", "", "services", "", "default", "orphaned"), true},          // dropping owner references
		{res(rc, "create", rbacv1.GroupName, "rolebindings", "", "default", ""), false},

		{res(ep, "create", "", "endpoints", "", "default", ""), true},
		{res(ep, "update", "", "services", "status", "default", "s"), true},
		{res(ep, "update", "", "services", "", "default", "s"), false},
		{res(ep, "delete", "", "pods", "", "default", "p"), false},

		{res(node, "create", "", "nodes", "", "", ""), true},
		{res(node, "update", "", "nodes", "status", "", "n1"), true},
		{res(node, "update", "", "pods", "status", "default", "p"), true},
		{res(node, "delete", "", "pods", "", "default", "p"), true},
		{res(node, "list", "networking.k8s.io", "ingresses", "", "", ""), true},
		{res(node, "create", "", "pods", "", "default", ""), false},
		{res(node, "get", "", "secrets", "", "default", "s"), false},
		{res(node, "get", "", "configmaps", "", "default", "kube-root-ca.crt"), true},
		{res(node, "update", "", "configmaps", "", "default", "kube-root-ca.crt"), false},
		{res(rc, "create", "", "configmaps", "", "dev", ""), true},
		{res(rc, "update", "apps", "statefulsets", "status", "default", "web"), true},
		{res(rc, "create", "", "persistentvolumes", "", "", ""), true},
		{res(rc, "create", "", "secrets", "", "default", ""), false},
		{res(gw, "create", "storage.k8s.io", "storageclasses", "", "", ""), true},
	} {
		if d := Authorize(p, tt.attrs); d.Allowed != tt.allow {
			t.Errorf("%s: allowed %v, want %v", ForbiddenMessage(tt.attrs), d.Allowed, tt.allow)
		}
	}
}
