package authz

import (
	authorizationv1 "k8s.io/api/authorization/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	utilerrors "k8s.io/apimachinery/pkg/util/errors"
)

// Rules is what a user may do in a namespace, in the shape of a
// SelfSubjectRulesReview's status (`kubectl auth can-i --list`).
// Incomplete is set, with EvaluationError, when some binding's role
// could not be resolved: the list may then lack rules.
type Rules struct {
	Resource        []authorizationv1.ResourceRule
	NonResource     []authorizationv1.NonResourceRule
	Incomplete      bool
	EvaluationError string
}

// Status is r as a SubjectRulesReviewStatus.
func (r Rules) Status() authorizationv1.SubjectRulesReviewStatus {
	return authorizationv1.SubjectRulesReviewStatus{ResourceRules: r.Resource, NonResourceRules: r.NonResource,
		Incomplete: r.Incomplete, EvaluationError: r.EvaluationError}
}

// RulesFor lists the rules granted to user in namespace (cluster-wide
// ones only when namespace is ""). Members of system:masters get the
// all-wildcard rules first, as kube-apiserver's privileged-group
// authorizer reports them.
func RulesFor(p Policy, user UserInfo, namespace string) Rules {
	var out Rules
	if user.inGroup(SystemMasters) {
		out.Resource = append(out.Resource, authorizationv1.ResourceRule{
			Verbs: []string{rbacv1.VerbAll}, APIGroups: []string{rbacv1.APIGroupAll}, Resources: []string{rbacv1.ResourceAll}})
		out.NonResource = append(out.NonResource, authorizationv1.NonResourceRule{
			Verbs: []string{rbacv1.VerbAll}, NonResourceURLs: []string{rbacv1.NonResourceAll}})
	}
	rules, err := PolicyRules(p, user, namespace)
	// As kube-apiserver converts them: a rule shows as a resource rule if
	// it names resources and as a non-resource rule if it names URLs.
	for _, r := range rules {
		if len(r.Resources) > 0 {
			out.Resource = append(out.Resource, authorizationv1.ResourceRule{Verbs: r.Verbs, APIGroups: r.APIGroups,
				Resources: r.Resources, ResourceNames: r.ResourceNames})
		}
		if len(r.NonResourceURLs) > 0 {
			out.NonResource = append(out.NonResource, authorizationv1.NonResourceRule{Verbs: r.Verbs, NonResourceURLs: r.NonResourceURLs})
		}
	}
	if err != nil {
		out.Incomplete, out.EvaluationError = true, err.Error()
	}
	return out
}

// PolicyRules are the RBAC rules bound to user in namespace, as the
// escalation check compares them (system:masters is not expanded here:
// callers let its members escalate before asking). The error aggregates
// the bindings whose roles could not be resolved; the rules found are
// returned anyway.
func PolicyRules(p Policy, user UserInfo, namespace string) ([]rbacv1.PolicyRule, error) {
	var rules []rbacv1.PolicyRule
	var errs []error
	visitRules(p, user, namespace, func(_ string, rule *rbacv1.PolicyRule, err error) bool {
		if rule != nil {
			rules = append(rules, *rule)
		}
		if err != nil {
			errs = append(errs, err)
		}
		return true
	})
	return rules, utilerrors.NewAggregate(errs)
}
