package apis

import (
	"github.com/jetplane/jetplane/events"
	rbacv1 "k8s.io/api/rbac/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/api/validation/path"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// rbacNameRule is Kubernetes' ValidateRBACName: RBAC objects are named by
// path segments only ("system:node-proxier" is fine), since their names
// are not DNS names but must still be addressable in a URL.
func rbacNameRule(name string, prefix bool) []string {
	return path.IsValidPathSegmentName(name)
}

// isRBACResource reports whether res names one of the four RBAC kinds.
func isRBACResource(res events.Resource) bool {
	return res.Group == rbacv1.GroupName
}

// validateRBAC checks the RBAC kinds as kube-apiserver's
// pkg/apis/rbac/validation does; metadata is checked by validateMeta.
func validateRBAC(obj, old events.Object) field.ErrorList {
	var errs field.ErrorList
	switch o := obj.(type) {
	case *rbacv1.Role:
		errs = validatePolicyRules(o.Rules, true)
	case *rbacv1.ClusterRole:
		errs = validatePolicyRules(o.Rules, false)
		errs = append(errs, validateAggregationRule(o.AggregationRule)...)
	case *rbacv1.RoleBinding:
		errs = validateRoleRef(o.RoleRef, []string{"Role", "ClusterRole"})
		errs = append(errs, validateSubjects(o.Subjects, true)...)
		if prev, ok := old.(*rbacv1.RoleBinding); ok {
			errs = append(errs, validateRoleRefUpdate(o.RoleRef, prev.RoleRef)...)
		}
	case *rbacv1.ClusterRoleBinding:
		errs = validateRoleRef(o.RoleRef, []string{"ClusterRole"})
		errs = append(errs, validateSubjects(o.Subjects, false)...)
		if prev, ok := old.(*rbacv1.ClusterRoleBinding); ok {
			errs = append(errs, validateRoleRefUpdate(o.RoleRef, prev.RoleRef)...)
		}
	}
	return errs
}

// validatePolicyRules is ValidatePolicyRule for each rule: a rule names
// either resources (with API groups) or non-resource URLs, never both,
// and non-resource URLs only in ClusterRoles, since paths have no namespace.
func validatePolicyRules(rules []rbacv1.PolicyRule, namespaced bool) field.ErrorList {
	var errs field.ErrorList
	for i, rule := range rules {
		p := field.NewPath("rules").Index(i)
		if len(rule.Verbs) == 0 {
			errs = append(errs, field.Required(p.Child("verbs"), "verbs must contain at least one value"))
		}
		if len(rule.NonResourceURLs) > 0 {
			if namespaced {
				errs = append(errs, field.Invalid(p.Child("nonResourceURLs"), rule.NonResourceURLs,
					"namespaced rules cannot apply to non-resource URLs"))
			}
			if len(rule.APIGroups) > 0 || len(rule.Resources) > 0 || len(rule.ResourceNames) > 0 {
				errs = append(errs, field.Invalid(p.Child("nonResourceURLs"), rule.NonResourceURLs,
					"rules cannot apply to both regular resources and non-resource URLs"))
			}
			continue
		}
		if len(rule.APIGroups) == 0 {
			errs = append(errs, field.Required(p.Child("apiGroups"), "resource rules must supply at least one api group"))
		}
		if len(rule.Resources) == 0 {
			errs = append(errs, field.Required(p.Child("resources"), "resource rules must supply at least one resource"))
		}
	}
	return errs
}

func validateAggregationRule(rule *rbacv1.AggregationRule) field.ErrorList {
	if rule == nil {
		return nil
	}
	p := field.NewPath("aggregationRule", "clusterRoleSelectors")
	if len(rule.ClusterRoleSelectors) == 0 {
		return field.ErrorList{field.Required(p, "at least one clusterRoleSelector required if aggregationRule is non-nil")}
	}
	var errs field.ErrorList
	for i := range rule.ClusterRoleSelectors {
		sel := &rule.ClusterRoleSelectors[i]
		errs = append(errs, metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, p.Index(i))...)
		if _, err := metav1.LabelSelectorAsSelector(sel); err != nil {
			errs = append(errs, field.Invalid(p.Index(i), sel, "invalid label selector."))
		}
	}
	return errs
}

// validateRoleRef allows only roles of the RBAC group: a binding to any
// other kind would grant nothing the authorizer understands.
func validateRoleRef(ref rbacv1.RoleRef, kinds []string) field.ErrorList {
	var errs field.ErrorList
	p := field.NewPath("roleRef")
	if ref.APIGroup != rbacv1.GroupName {
		errs = append(errs, field.NotSupported(p.Child("apiGroup"), ref.APIGroup, []string{rbacv1.GroupName}))
	}
	if !contains(kinds, ref.Kind) {
		errs = append(errs, field.NotSupported(p.Child("kind"), ref.Kind, kinds))
	}
	if ref.Name == "" {
		return append(errs, field.Required(p.Child("name"), ""))
	}
	for _, msg := range rbacNameRule(ref.Name, false) {
		errs = append(errs, field.Invalid(p.Child("name"), ref.Name, msg))
	}
	return errs
}

// validateRoleRefUpdate keeps roleRef immutable: changing what a binding
// grants in place would dodge the escalation check on the new role.
func validateRoleRefUpdate(ref, old rbacv1.RoleRef) field.ErrorList {
	if ref != old {
		return field.ErrorList{field.Invalid(field.NewPath("roleRef"), ref, "cannot change roleRef")}
	}
	return nil
}

// validateSubjects is ValidateRoleBindingSubject for each subject. A
// ServiceAccount in a ClusterRoleBinding needs its namespace, as there is
// no binding namespace to default it from.
func validateSubjects(subjects []rbacv1.Subject, namespaced bool) field.ErrorList {
	var errs field.ErrorList
	for i, s := range subjects {
		p := field.NewPath("subjects").Index(i)
		if s.Name == "" {
			errs = append(errs, field.Required(p.Child("name"), ""))
		}
		switch s.Kind {
		case rbacv1.ServiceAccountKind:
			if s.Name != "" {
				for _, msg := range apimachineryvalidation.NameIsDNSSubdomain(s.Name, false) {
					errs = append(errs, field.Invalid(p.Child("name"), s.Name, msg))
				}
			}
			if s.APIGroup != "" {
				errs = append(errs, field.NotSupported(p.Child("apiGroup"), s.APIGroup, []string{""}))
			}
			if !namespaced && s.Namespace == "" {
				errs = append(errs, field.Required(p.Child("namespace"), ""))
			}
		case rbacv1.UserKind, rbacv1.GroupKind:
			if s.APIGroup != rbacv1.GroupName {
				errs = append(errs, field.NotSupported(p.Child("apiGroup"), s.APIGroup, []string{rbacv1.GroupName}))
			}
		default:
			errs = append(errs, field.NotSupported(p.Child("kind"), s.Kind,
				[]string{rbacv1.ServiceAccountKind, rbacv1.UserKind, rbacv1.GroupKind}))
		}
	}
	return errs
}

// defaultRBAC is rbac/v1's defaulting: bindings and User/Group subjects
// written without an apiGroup mean the RBAC group.
func defaultRBAC(obj events.Object) {
	switch o := obj.(type) {
	case *rbacv1.RoleBinding:
		defaultRoleRef(&o.RoleRef)
		defaultSubjects(o.Subjects)
	case *rbacv1.ClusterRoleBinding:
		defaultRoleRef(&o.RoleRef)
		defaultSubjects(o.Subjects)
	}
}

func defaultRoleRef(ref *rbacv1.RoleRef) {
	if ref.APIGroup == "" {
		ref.APIGroup = rbacv1.GroupName
	}
}

func defaultSubjects(subjects []rbacv1.Subject) {
	for i := range subjects {
		s := &subjects[i]
		if s.APIGroup == "" && (s.Kind == rbacv1.UserKind || s.Kind == rbacv1.GroupKind) {
			s.APIGroup = rbacv1.GroupName
		}
	}
}
