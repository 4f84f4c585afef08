package authz

import (
	"fmt"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

// Authorize decides a request as kube-apiserver's privileged-group and
// RBAC authorizers do: system:masters is always allowed; otherwise the
// request is allowed when one rule of a role bound to the user (by a
// ClusterRoleBinding, or a RoleBinding in the request's namespace) covers
// it. Errors met on the way (a binding to a missing role) do not stop the
// search; they become the reason when nothing allowed the request.
func Authorize(p Policy, a Attributes) Decision {
	if a.User.inGroup(SystemMasters) {
		return Decision{Allowed: true, Reason: "member of " + SystemMasters}
	}
	var allowedBy string
	var errs []error
	visitRules(p, a.User, a.Namespace, func(source string, rule *rbacv1.PolicyRule, err error) bool {
		if rule != nil && RuleAllows(a, rule) {
			allowedBy = source
			return false
		}
		if err != nil {
			errs = append(errs, err)
		}
		return true
	})
	if allowedBy != "" {
		return Decision{Allowed: true, Reason: "RBAC: allowed by " + allowedBy}
	}
	if len(errs) > 0 {
		return Decision{Reason: fmt.Sprintf("RBAC: %v", utilerrors.NewAggregate(errs))}
	}
	return Decision{}
}

// visitRules calls visit with every rule granted to user in namespace
// (cluster-wide ones when namespace is ""), or with an error for a
// binding whose role cannot be resolved, until visit returns false. The
// order is Kubernetes': ClusterRoleBindings, then the namespace's
// RoleBindings.
func visitRules(p Policy, user UserInfo, namespace string, visit func(source string, rule *rbacv1.PolicyRule, err error) bool) {
	for _, b := range p.ListClusterRoleBindings() {
		s, ok := appliesTo(user, b.Subjects, "")
		if !ok {
			continue
		}
		rules, err := roleRefRules(p, b.RoleRef, "")
		source := fmt.Sprintf("ClusterRoleBinding %q of %s %q to %s", b.Name, b.RoleRef.Kind, b.RoleRef.Name, describeSubject(s, ""))
		if !visitAll(source, rules, err, visit) {
			return
		}
	}
	if namespace == "" {
		return
	}
	for _, b := range p.ListRoleBindings(namespace) {
		s, ok := appliesTo(user, b.Subjects, namespace)
		if !ok {
			continue
		}
		rules, err := roleRefRules(p, b.RoleRef, namespace)
		// Kubernetes names the binding name/namespace here (sic).
		source := fmt.Sprintf("RoleBinding %q of %s %q to %s", b.Name+"/"+b.Namespace, b.RoleRef.Kind, b.RoleRef.Name,
			describeSubject(s, namespace))
		if !visitAll(source, rules, err, visit) {
			return
		}
	}
}

func visitAll(source string, rules []rbacv1.PolicyRule, err error, visit func(string, *rbacv1.PolicyRule, error) bool) bool {
	if err != nil && !visit(source, nil, err) {
		return false
	}
	for i := range rules {
		if !visit(source, &rules[i], nil) {
			return false
		}
	}
	return true
}

// appliesTo finds the first subject naming user. namespace is the
// binding's: a ServiceAccount subject without a namespace means one there.
func appliesTo(user UserInfo, subjects []rbacv1.Subject, namespace string) (*rbacv1.Subject, bool) {
	for i := range subjects {
		if subjectMatches(user, subjects[i], namespace) {
			return &subjects[i], true
		}
	}
	return nil, false
}

func subjectMatches(user UserInfo, s rbacv1.Subject, namespace string) bool {
	switch s.Kind {
	case rbacv1.UserKind:
		return user.Name == s.Name
	case rbacv1.GroupKind:
		return user.inGroup(s.Name)
	case rbacv1.ServiceAccountKind:
		ns := namespace
		if s.Namespace != "" {
			ns = s.Namespace
		}
		return ns != "" && user.Name == ServiceAccountUser(ns, s.Name)
	}
	return false
}

func describeSubject(s *rbacv1.Subject, namespace string) string {
	if s.Kind == rbacv1.ServiceAccountKind {
		ns := s.Namespace
		if ns == "" {
			ns = namespace
		}
		return fmt.Sprintf("%s %q", s.Kind, s.Name+"/"+ns)
	}
	return fmt.Sprintf("%s %q", s.Kind, s.Name)
}

// RuleAllows reports whether rule covers the request: its verb, and its
// group, resource[/subresource] and name, or its path.
func RuleAllows(a Attributes, rule *rbacv1.PolicyRule) bool {
	if !verbMatches(rule, a.Verb) {
		return false
	}
	if !a.ResourceRequest {
		return nonResourceURLMatches(rule, a.Path)
	}
	return apiGroupMatches(rule, a.APIGroup) &&
		resourceMatches(rule, a.resourceWithSubresource(), a.Subresource) &&
		resourceNameMatches(rule, a.Name)
}

func verbMatches(rule *rbacv1.PolicyRule, verb string) bool {
	return hasOrAll(rule.Verbs, verb, rbacv1.VerbAll)
}

func apiGroupMatches(rule *rbacv1.PolicyRule, group string) bool {
	return hasOrAll(rule.APIGroups, group, rbacv1.APIGroupAll)
}

// resourceMatches accepts "*", the exact "resource[/subresource]", and
// for a subresource request "*/subresource" (any resource's subresource).
func resourceMatches(rule *rbacv1.PolicyRule, combined, subresource string) bool {
	for _, r := range rule.Resources {
		if r == rbacv1.ResourceAll || r == combined {
			return true
		}
		if subresource != "" && r == "*/"+subresource {
			return true
		}
	}
	return false
}

// resourceNameMatches: a rule with resourceNames covers only requests for
// one of those names, so never a list, watch or create without a name.
func resourceNameMatches(rule *rbacv1.PolicyRule, name string) bool {
	if len(rule.ResourceNames) == 0 {
		return true
	}
	return has(rule.ResourceNames, name)
}

// nonResourceURLMatches accepts "*", the exact path, and a rule path
// ending in "*" as a prefix.
func nonResourceURLMatches(rule *rbacv1.PolicyRule, path string) bool {
	for _, u := range rule.NonResourceURLs {
		if urlCovers(u, path) {
			return true
		}
	}
	return false
}

func urlCovers(rule, path string) bool {
	if rule == rbacv1.NonResourceAll || rule == path {
		return true
	}
	return strings.HasSuffix(rule, "*") && strings.HasPrefix(path, strings.TrimRight(rule, "*"))
}

func has(set []string, v string) bool {
	for _, s := range set {
		if s == v {
			return true
		}
	}
	return false
}

func hasOrAll(set []string, v, all string) bool {
	for _, s := range set {
		if s == v || s == all {
			return true
		}
	}
	return false
}
