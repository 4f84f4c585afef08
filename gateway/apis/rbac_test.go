package apis

import (
	"reflect"
	"strings"
	"testing"

	"github.com/jetplane/jetplane/events"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func role(mutate func(*rbacv1.Role)) *rbacv1.Role {
	r := &rbacv1.Role{ObjectMeta: meta("pod-reader", "default"), Rules: []rbacv1.PolicyRule{
		{Verbs: []string{"get", "list"}, APIGroups: []string{""}, Resources: []string{"pods"}}}}
	mutate(r)
	return defaulted("roles", r)
}

func clusterRole(mutate func(*rbacv1.ClusterRole)) *rbacv1.ClusterRole {
	r := &rbacv1.ClusterRole{ObjectMeta: meta("system:metrics-reader", ""), Rules: []rbacv1.PolicyRule{
		{Verbs: []string{"get"}, NonResourceURLs: []string{"/metrics"}}}}
	mutate(r)
	return defaulted("clusterroles", r)
}

func roleBinding(mutate func(*rbacv1.RoleBinding)) *rbacv1.RoleBinding {
	b := &rbacv1.RoleBinding{ObjectMeta: meta("read-pods", "default"),
		RoleRef: rbacv1.RoleRef{Kind: "Role", Name: "pod-reader"},
		Subjects: []rbacv1.Subject{{Kind: "User", Name: "bob"}, {Kind: "Group", Name: "devs"},
			{Kind: "ServiceAccount", Name: "builder"}}}
	mutate(b)
	return defaulted("rolebindings", b)
}

func clusterRoleBinding(mutate func(*rbacv1.ClusterRoleBinding)) *rbacv1.ClusterRoleBinding {
	b := &rbacv1.ClusterRoleBinding{ObjectMeta: meta("read-metrics", ""),
		RoleRef:  rbacv1.RoleRef{Kind: "ClusterRole", Name: "system:metrics-reader"},
		Subjects: []rbacv1.Subject{{Kind: "ServiceAccount", Name: "prometheus", Namespace: "monitoring"}}}
	mutate(b)
	return defaulted("clusterrolebindings", b)
}

func TestValidateRBAC(t *testing.T) {
	tests := []struct {
		name     string
		resource string
		old, obj events.Object
		want     []want
	}{
		{"good role", "roles", nil, role(noChange), nil},
		{"good cluster role", "clusterroles", nil, clusterRole(noChange), nil},
		{"good role binding (defaulted apiGroups)", "rolebindings", nil, roleBinding(noChange), nil},
		{"good cluster role binding", "clusterrolebindings", nil, clusterRoleBinding(noChange), nil},
		{"role binding to a cluster role", "rolebindings", nil, roleBinding(func(b *rbacv1.RoleBinding) { b.RoleRef.Kind = "ClusterRole" }), nil},
		{"colons in names are fine", "clusterroles", nil, clusterRole(func(r *rbacv1.ClusterRole) { r.Name = "system:Node:Proxier" }), nil},
		{"slash in name", "roles", nil, role(func(r *rbacv1.Role) { r.Name = "a/b" }), []want{{invalid, "metadata.name"}}},
		{"role needs a namespace", "roles", nil, role(func(r *rbacv1.Role) { r.Namespace = "" }), []want{{required, "metadata.namespace"}}},
		{"cluster role has no namespace", "clusterroles", nil, clusterRole(func(r *rbacv1.ClusterRole) { r.Namespace = "default" }),
			[]want{{forbidden, "metadata.namespace"}}},

		{"verbs required", "roles", nil, role(func(r *rbacv1.Role) { r.Rules[0].Verbs = nil }), []want{{required, "rules[0].verbs"}}},
		{"apiGroups required", "roles", nil, role(func(r *rbacv1.Role) { r.Rules[0].APIGroups = nil }), []want{{required, "rules[0].apiGroups"}}},
		{"resources required", "roles", nil, role(func(r *rbacv1.Role) { r.Rules[0].Resources = nil }), []want{{required, "rules[0].resources"}}},
		{"empty rule", "clusterroles", nil, clusterRole(func(r *rbacv1.ClusterRole) { r.Rules = []rbacv1.PolicyRule{{}} }),
			[]want{{required, "rules[0].verbs"}, {required, "rules[0].apiGroups"}, {required, "rules[0].resources"}}},
		{"non-resource URLs not in roles", "roles", nil, role(func(r *rbacv1.Role) {
			r.Rules = []rbacv1.PolicyRule{{Verbs: []string{"get"}, NonResourceURLs: []string{"/metrics"}}}
		}), []want{{invalid, "rules[0].nonResourceURLs"}}},
		{"non-resource URLs mixed with resources", "clusterroles", nil, clusterRole(func(r *rbacv1.ClusterRole) {
			r.Rules[0].Resources = []string{"pods"}
		}), []want{{invalid, "rules[0].nonResourceURLs"}}},
		{"aggregation needs selectors", "clusterroles", nil, clusterRole(func(r *rbacv1.ClusterRole) { r.AggregationRule = &rbacv1.AggregationRule{} }),
			[]want{{required, "aggregationRule.clusterRoleSelectors"}}},
		{"aggregation selector validated", "clusterroles", nil, clusterRole(func(r *rbacv1.ClusterRole) {
			r.AggregationRule = &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"a b": "c"}}}}
		}), []want{{invalid, "aggregationRule.clusterRoleSelectors[0].matchLabels"}, {invalid, "aggregationRule.clusterRoleSelectors[0]"}}},

		{"roleRef apiGroup", "rolebindings", nil, roleBinding(func(b *rbacv1.RoleBinding) { b.RoleRef.APIGroup = "apps" }),
			[]want{{notSupported, "roleRef.apiGroup"}}},
		{"roleRef kind", "rolebindings", nil, roleBinding(func(b *rbacv1.RoleBinding) { b.RoleRef.Kind = "Pod" }),
			[]want{{notSupported, "roleRef.kind"}}},
		{"cluster binding only to cluster roles", "clusterrolebindings", nil, clusterRoleBinding(func(b *rbacv1.ClusterRoleBinding) {
			b.RoleRef.Kind = "Role"
		}), []want{{notSupported, "roleRef.kind"}}},
		{"roleRef name required", "rolebindings", nil, roleBinding(func(b *rbacv1.RoleBinding) { b.RoleRef.Name = "" }),
			[]want{{required, "roleRef.name"}}},
		{"roleRef name a path segment", "rolebindings", nil, roleBinding(func(b *rbacv1.RoleBinding) { b.RoleRef.Name = ".." }),
			[]want{{invalid, "roleRef.name"}}},
		{"subject name required", "rolebindings", nil, roleBinding(func(b *rbacv1.RoleBinding) { b.Subjects[0].Name = "" }),
			[]want{{required, "subjects[0].name"}}},
		{"subject kind", "rolebindings", nil, roleBinding(func(b *rbacv1.RoleBinding) { b.Subjects[0].Kind = "Robot" }),
			[]want{{notSupported, "subjects[0].kind"}}},
		{"user subject apiGroup", "rolebindings", nil, roleBinding(func(b *rbacv1.RoleBinding) { b.Subjects[0].APIGroup = "v1" }),
			[]want{{notSupported, "subjects[0].apiGroup"}}},
		{"service account subject has no apiGroup", "rolebindings", nil, roleBinding(func(b *rbacv1.RoleBinding) {
			b.Subjects[2].APIGroup = rbacv1.GroupName
		}), []want{{notSupported, "subjects[2].apiGroup"}}},
		{"service account name a subdomain", "rolebindings", nil, roleBinding(func(b *rbacv1.RoleBinding) { b.Subjects[2].Name = "Builder" }),
			[]want{{invalid, "subjects[2].name"}}},
		{"service account in a cluster binding needs a namespace", "clusterrolebindings", nil,
			clusterRoleBinding(func(b *rbacv1.ClusterRoleBinding) { b.Subjects[0].Namespace = "" }),
			[]want{{required, "subjects[0].namespace"}}},

		{"subjects may change", "rolebindings", roleBinding(noChange), roleBinding(func(b *rbacv1.RoleBinding) { b.Subjects = nil }), nil},
		{"roleRef immutable", "rolebindings", roleBinding(noChange), roleBinding(func(b *rbacv1.RoleBinding) { b.RoleRef.Name = "admin" }),
			[]want{{invalid, "roleRef"}}},
		{"cluster roleRef immutable", "clusterrolebindings", clusterRoleBinding(noChange),
			clusterRoleBinding(func(b *rbacv1.ClusterRoleBinding) { b.RoleRef.Name = "cluster-admin" }), []want{{invalid, "roleRef"}}},
		{"rules may change", "roles", role(noChange), role(func(r *rbacv1.Role) { r.Rules[0].Verbs = []string{"*"} }), nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertErrors(t, Validate(res(tt.resource), tt.obj, tt.old), tt.want)
		})
	}
}

func TestValidateRBACMessages(t *testing.T) {
	errs := Validate(res("rolebindings"), roleBinding(func(b *rbacv1.RoleBinding) { b.RoleRef.Name = "admin" }), roleBinding(noChange))
	if got := errs.ToAggregate().Error(); !strings.HasSuffix(got, ": cannot change roleRef") || !strings.HasPrefix(got, "roleRef: Invalid value: ") {
		t.Errorf("message %q", got)
	}
	errs = Validate(res("roles"), role(func(r *rbacv1.Role) { r.Rules[0].Verbs = nil }), nil)
	if got, want := errs.ToAggregate().Error(), "rules[0].verbs: Required value: verbs must contain at least one value"; got != want {
		t.Errorf("message %q, want %q", got, want)
	}
}

func TestDefaultRBACSubjects(t *testing.T) {
	b := roleBinding(noChange)
	if b.RoleRef.APIGroup != rbacv1.GroupName || b.Subjects[0].APIGroup != rbacv1.GroupName ||
		b.Subjects[1].APIGroup != rbacv1.GroupName || b.Subjects[2].APIGroup != "" {
		t.Errorf("defaults %+v %+v", b.RoleRef, b.Subjects)
	}
}

// usersDoc is how kube-apiserver describes the Users column.
var usersDoc = map[string]string{"rolebindings": "Users in the roleBinding", "clusterrolebindings": "Users in the clusterRoleBinding"}

func TestTableRBAC(t *testing.T) {
	tests := []struct {
		resource string
		obj      events.Object
		columns  string
		want     []interface{}
	}{
		{"roles", role(noChange), "Name Created At", []interface{}{"pod-reader", "2026-01-02T03:04:05Z"}},
		{"clusterroles", clusterRole(noChange), "Name Created At", []interface{}{"system:metrics-reader", "2026-01-02T03:04:05Z"}},
		{"rolebindings", roleBinding(func(b *rbacv1.RoleBinding) {
			b.Subjects = append(b.Subjects, rbacv1.Subject{Kind: "User", Name: "alice", APIGroup: rbacv1.GroupName},
				rbacv1.Subject{Kind: "ServiceAccount", Name: "deployer", Namespace: "ci"})
		}), "Name Role Age Users* Groups* ServiceAccounts*",
			[]interface{}{"read-pods", "Role/pod-reader", "5m", "bob, alice", "devs", "/builder, ci/deployer"}},
		{"clusterrolebindings", clusterRoleBinding(noChange), "Name Role Age Users* Groups* ServiceAccounts*",
			[]interface{}{"read-metrics", "ClusterRole/system:metrics-reader", "5m", "", "", "monitoring/prometheus"}},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			tbl, err := Table(res(tt.resource), []events.Object{tt.obj}, metav1.IncludeMetadata, now)
			if err != nil {
				t.Fatal(err)
			}
			var names []string
			for _, c := range tbl.ColumnDefinitions {
				n := c.Name
				if c.Priority == 1 {
					n += "*"
				}
				if c.Description == "" {
					t.Errorf("column %s has no description", c.Name)
				}
				if want, ok := usersDoc[tt.resource]; ok && c.Name == "Users" && c.Description != want {
					t.Errorf("column Users of %s: %q, want %q", tt.resource, c.Description, want)
				}
				names = append(names, n)
			}
			if got := strings.Join(names, " "); got != tt.columns {
				t.Errorf("columns %q, want %q", got, tt.columns)
			}
			if got := tbl.Rows[0].Cells; !reflect.DeepEqual(got, tt.want) {
				t.Errorf("cells %#v, want %#v", got, tt.want)
			}
		})
	}
	if _, err := Table(res("roles"), []events.Object{roleBinding(noChange)}, metav1.IncludeNone, now); err == nil {
		t.Error("a binding printed as a role")
	}
}
