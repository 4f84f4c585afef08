package authz

import (
	"fmt"
	"reflect"
	"sort"

	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Policy is the RBAC state the authorizer reads: the four kinds of
// objects, looked up the way the decision needs them. A projection of the
// log implements it over its indexes; StaticPolicy over slices.
type Policy interface {
	GetRole(namespace, name string) (*rbacv1.Role, bool)
	GetClusterRole(name string) (*rbacv1.ClusterRole, bool)
	// ListClusterRoles serves aggregation, which selects by labels.
	ListClusterRoles() []*rbacv1.ClusterRole
	ListRoleBindings(namespace string) []*rbacv1.RoleBinding
	ListClusterRoleBindings() []*rbacv1.ClusterRoleBinding
}

// StaticPolicy is a Policy over plain slices, for tests, bootstrap and
// small callers. Lookups scan: it is meant for tens of objects.
type StaticPolicy struct {
	Roles               []rbacv1.Role
	ClusterRoles        []rbacv1.ClusterRole
	RoleBindings        []rbacv1.RoleBinding
	ClusterRoleBindings []rbacv1.ClusterRoleBinding
}

// GetRole finds the Role namespace/name.
func (p *StaticPolicy) GetRole(namespace, name string) (*rbacv1.Role, bool) {
	for i := range p.Roles {
		if p.Roles[i].Namespace == namespace && p.Roles[i].Name == name {
			return &p.Roles[i], true
		}
	}
	return nil, false
}

// GetClusterRole finds the ClusterRole name.
func (p *StaticPolicy) GetClusterRole(name string) (*rbacv1.ClusterRole, bool) {
	for i := range p.ClusterRoles {
		if p.ClusterRoles[i].Name == name {
			return &p.ClusterRoles[i], true
		}
	}
	return nil, false
}

// ListClusterRoles lists every ClusterRole.
func (p *StaticPolicy) ListClusterRoles() []*rbacv1.ClusterRole {
	out := make([]*rbacv1.ClusterRole, len(p.ClusterRoles))
	for i := range p.ClusterRoles {
		out[i] = &p.ClusterRoles[i]
	}
	return out
}

// ListRoleBindings lists the RoleBindings of namespace.
func (p *StaticPolicy) ListRoleBindings(namespace string) []*rbacv1.RoleBinding {
	var out []*rbacv1.RoleBinding
	for i := range p.RoleBindings {
		if p.RoleBindings[i].Namespace == namespace {
			out = append(out, &p.RoleBindings[i])
		}
	}
	return out
}

// ListClusterRoleBindings lists every ClusterRoleBinding.
func (p *StaticPolicy) ListClusterRoleBindings() []*rbacv1.ClusterRoleBinding {
	out := make([]*rbacv1.ClusterRoleBinding, len(p.ClusterRoleBindings))
	for i := range p.ClusterRoleBindings {
		out[i] = &p.ClusterRoleBindings[i]
	}
	return out
}

// The group resources Kubernetes' listers name in their not-found errors,
// which the authorizer's reasons repeat.
var (
	roleResource        = rbacv1.Resource("role")
	clusterRoleResource = rbacv1.Resource("clusterrole")
)

// ClusterRoleRules are the effective rules of the ClusterRole name: its
// own, or for an aggregated role the union of those of the ClusterRoles
// its selectors match.
func ClusterRoleRules(p Policy, name string) ([]rbacv1.PolicyRule, error) {
	cr, ok := p.GetClusterRole(name)
	if !ok {
		return nil, apierrors.NewNotFound(clusterRoleResource, name)
	}
	return effectiveRules(p, cr, map[string]bool{})
}

// effectiveRules computes on read what the aggregation controller writes:
// for each selector in order, the rules of the matching ClusterRoles
// sorted by name (never the role itself), each rule once. A matched role
// that aggregates too contributes its own effective rules, which is where
// the controller's repeated passes converge. Stored rules of aggregated
// roles are ignored (the controller would overwrite them); a role already
// being resolved (a cycle) contributes nothing.
func effectiveRules(p Policy, cr *rbacv1.ClusterRole, visiting map[string]bool) ([]rbacv1.PolicyRule, error) {
	if cr.AggregationRule == nil {
		return cr.Rules, nil
	}
	visiting[cr.Name] = true
	defer delete(visiting, cr.Name)
	all := p.ListClusterRoles()
	sort.Slice(all, func(i, j int) bool { return all[i].Name < all[j].Name })
	var out []rbacv1.PolicyRule
	for i := range cr.AggregationRule.ClusterRoleSelectors {
		sel, err := metav1.LabelSelectorAsSelector(&cr.AggregationRule.ClusterRoleSelectors[i])
		if err != nil {
			return out, fmt.Errorf("clusterrole %q: aggregation selector %d: %w", cr.Name, i, err)
		}
		for _, m := range all {
			if m.Name == cr.Name || !sel.Matches(labels.Set(m.Labels)) {
				continue
			}
			if visiting[m.Name] {
				continue
			}
			rules, err := effectiveRules(p, m, visiting)
			if err != nil {
				return out, err
			}
			for _, r := range rules {
				if !ruleIn(out, r) {
					out = append(out, r)
				}
			}
		}
	}
	return out, nil
}

func ruleIn(rules []rbacv1.PolicyRule, r rbacv1.PolicyRule) bool {
	for i := range rules {
		if reflect.DeepEqual(rules[i], r) {
			return true
		}
	}
	return false
}

// roleRefRules are the rules a binding's roleRef grants; namespace is the
// binding's ("" for a ClusterRoleBinding), where a Role is looked up.
func roleRefRules(p Policy, ref rbacv1.RoleRef, namespace string) ([]rbacv1.PolicyRule, error) {
	switch ref.Kind {
	case "Role":
		r, ok := p.GetRole(namespace, ref.Name)
		if !ok {
			return nil, apierrors.NewNotFound(roleResource, ref.Name)
		}
		return r.Rules, nil
	case "ClusterRole":
		return ClusterRoleRules(p, ref.Name)
	}
	return nil, fmt.Errorf("unsupported role reference kind: %q", ref.Kind)
}
