package authz

import (
	"fmt"
	"sort"
	"strings"

	rbacv1 "k8s.io/api/rbac/v1"
)

// Covers reports whether the owner's rules include every permission of
// the requested rules, and lists the uncovered ones. Requested rules are
// broken down to single (group, resource, verb[, name]) and (URL, verb)
// tuples first, so each is either wholly covered by one owner rule or
// missing.
func Covers(owner, requested []rbacv1.PolicyRule) (bool, []rbacv1.PolicyRule) {
	var missing []rbacv1.PolicyRule
	for _, req := range requested {
		for _, sub := range breakdown(req) {
			covered := false
			for i := range owner {
				if ruleCovers(&owner[i], &sub) {
					covered = true
					break
				}
			}
			if !covered {
				missing = append(missing, sub)
			}
		}
	}
	return len(missing) == 0, missing
}

// breakdown splits a rule into rules of one group, resource, verb and
// resource name each, and one URL and verb each.
func breakdown(r rbacv1.PolicyRule) []rbacv1.PolicyRule {
	var out []rbacv1.PolicyRule
	for _, g := range r.APIGroups {
		for _, res := range r.Resources {
			for _, v := range r.Verbs {
				if len(r.ResourceNames) == 0 {
					out = append(out, rbacv1.PolicyRule{APIGroups: []string{g}, Resources: []string{res}, Verbs: []string{v}})
					continue
				}
				for _, n := range r.ResourceNames {
					out = append(out, rbacv1.PolicyRule{APIGroups: []string{g}, Resources: []string{res}, Verbs: []string{v},
						ResourceNames: []string{n}})
				}
			}
		}
	}
	for _, u := range r.NonResourceURLs {
		for _, v := range r.Verbs {
			out = append(out, rbacv1.PolicyRule{NonResourceURLs: []string{u}, Verbs: []string{v}})
		}
	}
	return out
}

// ruleCovers compares an owner rule with a broken-down one. Wildcards in
// the owner cover anything; a "*" requested is only covered by "*".
func ruleCovers(owner, sub *rbacv1.PolicyRule) bool {
	verbs := has(owner.Verbs, rbacv1.VerbAll) || hasAll(owner.Verbs, sub.Verbs)
	groups := has(owner.APIGroups, rbacv1.APIGroupAll) || hasAll(owner.APIGroups, sub.APIGroups)
	names := len(owner.ResourceNames) == 0 || (len(sub.ResourceNames) > 0 && hasAll(owner.ResourceNames, sub.ResourceNames))
	return verbs && groups && names && resourcesCovered(owner.Resources, sub.Resources) &&
		urlsCovered(owner.NonResourceURLs, sub.NonResourceURLs)
}

func hasAll(set, want []string) bool {
	for _, w := range want {
		if !has(set, w) {
			return false
		}
	}
	return true
}

// resourcesCovered: "*" covers all, an exact name itself, and
// "*/subresource" any resource's subresource.
func resourcesCovered(owner, want []string) bool {
	if has(owner, rbacv1.ResourceAll) {
		return true
	}
	for _, w := range want {
		if has(owner, w) {
			continue
		}
		_, sub, ok := strings.Cut(w, "/")
		if !ok || !has(owner, "*/"+sub) {
			return false
		}
	}
	return true
}

func urlsCovered(owner, want []string) bool {
	for _, w := range want {
		covered := false
		for _, o := range owner {
			if o == w || (strings.HasSuffix(o, "*") && strings.HasPrefix(w, strings.TrimRight(o, "*"))) {
				covered = true
				break
			}
		}
		if !covered {
			return false
		}
	}
	return true
}

// ConfirmNoEscalation is the check kube-apiserver makes before it stores
// a Role or ClusterRole (its rules) or a binding (its role's rules) for
// a user without the escalate or bind verb: the user must hold every rule
// in namespace ("" for cluster roles and bindings). Members of
// system:masters hold everything.
func ConfirmNoEscalation(p Policy, user UserInfo, namespace string, rules []rbacv1.PolicyRule) error {
	if user.inGroup(SystemMasters) {
		return nil
	}
	owner, resolveErr := PolicyRules(p, user, namespace)
	ok, missing := Covers(owner, rules)
	if ok {
		return nil
	}
	seen := map[string]bool{}
	var lines []string
	for _, r := range compact(missing) {
		if s := CompactString(r); !seen[s] {
			seen[s] = true
			lines = append(lines, s)
		}
	}
	sort.Strings(lines)
	msg := fmt.Sprintf("user %q (groups=%q) is attempting to grant RBAC permissions not currently held:\n%s",
		user.Name, user.Groups, strings.Join(lines, "\n"))
	if resolveErr != nil {
		msg += fmt.Sprintf("; resolution errors: %v", resolveErr)
	}
	return &EscalationError{Message: msg}
}

// EscalationError is a refused grant; the gateway answers it as 403.
type EscalationError struct{ Message string }

func (e *EscalationError) Error() string { return e.Message }

// compact merges broken-down rules of one group and resource (no names)
// into one rule with all their verbs, so the message lists a resource
// once, as Kubernetes' CompactRules does.
func compact(rules []rbacv1.PolicyRule) []rbacv1.PolicyRule {
	type key struct{ group, resource string }
	var out []rbacv1.PolicyRule
	at := map[key]int{}
	for _, r := range rules {
		if len(r.APIGroups) != 1 || len(r.Resources) != 1 || len(r.ResourceNames) > 0 || len(r.NonResourceURLs) > 0 {
			out = append(out, r)
			continue
		}
		k := key{r.APIGroups[0], r.Resources[0]}
		if i, ok := at[k]; ok {
			out[i].Verbs = append(out[i].Verbs, r.Verbs...)
			continue
		}
		at[k] = len(out)
		r.Verbs = append([]string(nil), r.Verbs...)
		out = append(out, r)
	}
	return out
}

// CompactString prints a rule with only its non-empty fields, as
// Kubernetes' escalation messages show them:
// {APIGroups:["apps"], Resources:["deployments"], Verbs:["get" "list"]}.
func CompactString(r rbacv1.PolicyRule) string {
	var parts []string
	for _, f := range []struct {
		name string
		vs   []string
	}{{"APIGroups", r.APIGroups}, {"Resources", r.Resources}, {"NonResourceURLs", r.NonResourceURLs},
		{"ResourceNames", r.ResourceNames}, {"Verbs", r.Verbs}} {
		if len(f.vs) > 0 {
			parts = append(parts, fmt.Sprintf("%s:%q", f.name, f.vs))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// EscalateAllowed reports whether user holds the escalate verb on the
// Role namespace/name, or ClusterRole name when namespace is "", which
// lets them write rules they do not hold.
func EscalateAllowed(p Policy, user UserInfo, namespace, name string) bool {
	return Authorize(p, roleVerb(user, "escalate", namespace, name, namespace != "")).Allowed
}

// BindAllowed reports whether user holds the bind verb on the role ref
// names, which lets them bind it without holding its rules. namespace is
// the binding's ("" for a ClusterRoleBinding).
func BindAllowed(p Policy, user UserInfo, namespace string, ref rbacv1.RoleRef) bool {
	return Authorize(p, roleVerb(user, "bind", namespace, ref.Name, ref.Kind == "Role")).Allowed
}

func roleVerb(user UserInfo, verb, namespace, name string, namespacedRole bool) Attributes {
	resource := "clusterroles"
	if namespacedRole {
		resource = "roles"
	}
	return Attributes{User: user, Verb: verb, APIGroup: rbacv1.GroupName, Resource: resource,
		Namespace: namespace, Name: name, ResourceRequest: true}
}
