package authz

import (
	"reflect"
	"strings"
	"testing"

	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func hasRule(rules []rbacv1.PolicyRule, want rbacv1.PolicyRule) bool { return ruleIn(rules, want) }

func TestAggregation(t *testing.T) {
	p := BootstrapPolicy()
	// A new kind joins view (and so edit and admin) by a label alone.
	widgets := rule(readVerbs, "example.com", "widgets")
	p.ClusterRoles = append(p.ClusterRoles,
		rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "widget-viewer", Labels: map[string]string{AggregateToView: "true"}},
			Rules: []rbacv1.PolicyRule{widgets}},
		// Cycles end: a aggregates b, b aggregates a.
		rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "a", Labels: map[string]string{"x": "a"}},
			AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"x": "b"}}}},
			Rules:           []rbacv1.PolicyRule{rule([]string{"stale"}, "", "ignored")}},
		rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "b", Labels: map[string]string{"x": "b"}},
			AggregationRule: &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{"x": "a"}}}}},
	)
	view, err := ClusterRoleRules(p, "view")
	if err != nil {
		t.Fatal(err)
	}
	edit, _ := ClusterRoleRules(p, "edit")
	admin, _ := ClusterRoleRules(p, "admin")
	for _, tt := range []struct {
		role  string
		rules []rbacv1.PolicyRule
		rule  rbacv1.PolicyRule
		want  bool
	}{
		{"view", view, widgets, true},
		{"edit", edit, widgets, true},
		{"admin", admin, widgets, true},
		{"view", view, aggregateToView[0], true},
		{"view", view, aggregateToEdit[0], false},
		{"edit", edit, aggregateToView[0], true},
		{"edit", edit, aggregateToEdit[2], true},
		{"edit", edit, aggregateToAdmin[1], false},
		{"admin", admin, aggregateToAdmin[1], true},
		{"admin", admin, aggregateToEdit[2], true},
	} {
		if got := hasRule(tt.rules, tt.rule); got != tt.want {
			t.Errorf("%s has %s: %v, want %v", tt.role, CompactString(tt.rule), got, tt.want)
		}
	}
	// Each rule once, in Kubernetes' order: by selector, then role name.
	if len(view) != len(aggregateToView)+1 || !reflect.DeepEqual(view[:len(aggregateToView)], aggregateToView) {
		t.Errorf("view rules %v", view)
	}
	if rules, err := ClusterRoleRules(p, "a"); err != nil || len(rules) != 0 {
		t.Errorf("cyclic aggregation: %v %v", rules, err)
	}
	if _, err := ClusterRoleRules(p, "nope"); err == nil || err.Error() != `clusterrole.rbac.authorization.k8s.io "nope" not found` {
		t.Errorf("missing role: %v", err)
	}
}

func TestRulesFor(t *testing.T) {
	p := testPolicy()
	got := RulesFor(p, bob, "default")
	want := []authorizationv1.ResourceRule{
		{Verbs: []string{"create"}, APIGroups: []string{"authorization.k8s.io"}, Resources: []string{"selfsubjectaccessreviews", "selfsubjectrulesreviews"}},
		{Verbs: []string{"create"}, APIGroups: []string{"authentication.k8s.io"}, Resources: []string{"selfsubjectreviews"}},
		{Verbs: readVerbs, APIGroups: []string{""}, Resources: []string{"pods", "pods/log"}},
	}
	if !reflect.DeepEqual(got.Resource, want) || got.Incomplete {
		t.Errorf("resource rules %+v", got.Resource)
	}
	var urls []string
	for _, r := range got.NonResource {
		urls = append(urls, r.NonResourceURLs...)
	}
	if s := strings.Join(urls, " "); !strings.Contains(s, "/apis/*") || !strings.Contains(s, "/metrics /logs/*") {
		t.Errorf("non-resource rules %v", s)
	}
	if r := RulesFor(p, bob, ""); len(r.Resource) != 2 {
		t.Errorf("cluster scope has only cluster-wide rules: %+v", r.Resource)
	}
	if r := RulesFor(p, bob, "other"); !r.Incomplete || r.EvaluationError != `role.rbac.authorization.k8s.io "pod-reader" not found` {
		t.Errorf("unresolved role: %+v", r)
	}
	r := RulesFor(p, root, "x")
	if r.Resource[0].Verbs[0] != "*" || r.NonResource[0].NonResourceURLs[0] != "*" || r.Status().ResourceRules[0].Resources[0] != "*" {
		t.Errorf("masters: %+v", r)
	}
}

func TestCovers(t *testing.T) {
	pods := rule(readVerbs, "", "pods")
	tests := []struct {
		name             string
		owner, requested []rbacv1.PolicyRule
		missing          []string
	}{
		{"same", []rbacv1.PolicyRule{pods}, []rbacv1.PolicyRule{pods}, nil},
		{"subset of verbs", []rbacv1.PolicyRule{pods}, []rbacv1.PolicyRule{rule([]string{"get"}, "", "pods")}, nil},
		{"split over owner rules", []rbacv1.PolicyRule{rule([]string{"get"}, "", "pods"), rule([]string{"list", "watch"}, "", "pods")},
			[]rbacv1.PolicyRule{pods}, nil},
		{"extra verb", []rbacv1.PolicyRule{pods}, []rbacv1.PolicyRule{rule([]string{"get", "delete"}, "", "pods")},
			[]string{`{APIGroups:[""], Resources:["pods"], Verbs:["delete"]}`}},
		{"star owner", []rbacv1.PolicyRule{rule([]string{"*"}, "*", "*")}, []rbacv1.PolicyRule{rule([]string{"escalate"}, "x", "y/z")}, nil},
		{"star requested needs star", []rbacv1.PolicyRule{pods}, []rbacv1.PolicyRule{rule([]string{"get"}, "", "*")},
			[]string{`{APIGroups:[""], Resources:["*"], Verbs:["get"]}`}},
		{"*/subresource covers a subresource", []rbacv1.PolicyRule{rule([]string{"get"}, "apps", "*/scale")},
			[]rbacv1.PolicyRule{rule([]string{"get"}, "apps", "deployments/scale")}, nil},
		{"*/subresource not the resource", []rbacv1.PolicyRule{rule([]string{"get"}, "apps", "*/scale")},
			[]rbacv1.PolicyRule{rule([]string{"get"}, "apps", "deployments")}, []string{`{APIGroups:["apps"], Resources:["deployments"], Verbs:["get"]}`}},
		{"names within unnamed", []rbacv1.PolicyRule{pods},
			[]rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{"a"}}}, nil},
		{"unnamed not within named", []rbacv1.PolicyRule{{Verbs: []string{"get"}, APIGroups: []string{""}, Resources: []string{"pods"}, ResourceNames: []string{"a"}}},
			[]rbacv1.PolicyRule{rule([]string{"get"}, "", "pods")}, []string{`{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`}},
		{"url prefix", []rbacv1.PolicyRule{urlRule([]string{"get"}, "/logs/*")}, []rbacv1.PolicyRule{urlRule([]string{"get"}, "/logs/a", "/metrics")},
			[]string{`{NonResourceURLs:["/metrics"], Verbs:["get"]}`}},
		{"nothing held", nil, []rbacv1.PolicyRule{rule([]string{"get", "list"}, "", "pods", "services")}, []string{
			`{APIGroups:[""], Resources:["pods"], Verbs:["get"]}`, `{APIGroups:[""], Resources:["pods"], Verbs:["list"]}`,
			`{APIGroups:[""], Resources:["services"], Verbs:["get"]}`, `{APIGroups:[""], Resources:["services"], Verbs:["list"]}`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ok, missing := Covers(tt.owner, tt.requested)
			var got []string
			for _, m := range missing {
				got = append(got, CompactString(m))
			}
			if ok != (len(tt.missing) == 0) || !reflect.DeepEqual(got, tt.missing) {
				t.Errorf("covers %v, missing %q, want %q", ok, got, tt.missing)
			}
		})
	}
}

func TestEscalation(t *testing.T) {
	p := testPolicy()
	// bob holds read on pods in default: he may grant it, not more.
	if err := ConfirmNoEscalation(p, bob, "default", []rbacv1.PolicyRule{rule([]string{"get"}, "", "pods")}); err != nil {
		t.Errorf("grant held rule: %v", err)
	}
	err := ConfirmNoEscalation(p, bob, "default", []rbacv1.PolicyRule{rule([]string{"get", "delete", "create"}, "", "pods", "secrets")})
	want := `user "bob" (groups=["system:authenticated"]) is attempting to grant RBAC permissions not currently held:
{APIGroups:[""], Resources:["pods"], Verbs:["delete" "create"]}
{APIGroups:[""], Resources:["secrets"], Verbs:["get" "delete" "create"]}`
	if err == nil || err.Error() != want {
		t.Errorf("escalation error:\n%v\nwant:\n%s", err, want)
	}
	if err := ConfirmNoEscalation(p, bob, "kube-system", []rbacv1.PolicyRule{rule([]string{"get"}, "", "pods")}); err == nil {
		t.Error("bob granted in a namespace he holds nothing in")
	}
	if err := ConfirmNoEscalation(p, root, "", []rbacv1.PolicyRule{rule([]string{"*"}, "*", "*")}); err != nil {
		t.Errorf("masters: %v", err)
	}

	// escalate and bind are verbs on the role.
	p.ClusterRoles = append(p.ClusterRoles, rbacv1.ClusterRole{ObjectMeta: metav1.ObjectMeta{Name: "granter"}, Rules: []rbacv1.PolicyRule{
		{Verbs: []string{"bind"}, APIGroups: []string{rbacv1.GroupName}, Resources: []string{"clusterroles"}, ResourceNames: []string{"view"}},
		{Verbs: []string{"escalate"}, APIGroups: []string{rbacv1.GroupName}, Resources: []string{"roles"}}}})
	p.RoleBindings = append(p.RoleBindings, rb("team-b", "granter", roleRef("ClusterRole", "granter"), user("carol")))
	carol := UserInfo{Name: "carol"}
	if !BindAllowed(p, carol, "team-b", roleRef("ClusterRole", "view")) || BindAllowed(p, carol, "team-b", roleRef("ClusterRole", "edit")) ||
		BindAllowed(p, carol, "", roleRef("ClusterRole", "view")) {
		t.Error("bind: view in team-b only")
	}
	if !EscalateAllowed(p, carol, "team-b", "any") || EscalateAllowed(p, carol, "", "any") {
		t.Error("escalate: roles of team-b only")
	}
}
