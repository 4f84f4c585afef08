package apis

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var deploymentStrategies = []appsv1.DeploymentStrategyType{appsv1.RecreateDeploymentStrategyType, appsv1.RollingUpdateDeploymentStrategyType}

func validateDeploymentSpec(spec *appsv1.DeploymentSpec, path *field.Path) field.ErrorList {
	errs := validateReplicas(spec.Replicas, path.Child("replicas"))
	errs = append(errs, validateSelectedTemplate(spec.Selector, &spec.Template, "deployment", path)...)
	errs = append(errs, validateStrategy(&spec.Strategy, path.Child("strategy"))...)
	errs = append(errs, nonNegative(spec.MinReadySeconds, path.Child("minReadySeconds"))...)
	if spec.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(*spec.RevisionHistoryLimit, path.Child("revisionHistoryLimit"))...)
	}
	if d := spec.ProgressDeadlineSeconds; d != nil {
		errs = append(errs, nonNegative(*d, path.Child("progressDeadlineSeconds"))...)
		if *d <= spec.MinReadySeconds {
			errs = append(errs, field.Invalid(path.Child("progressDeadlineSeconds"), *d, "must be greater than minReadySeconds"))
		}
	}
	return errs
}

func validateReplicaSetSpec(spec *appsv1.ReplicaSetSpec, path *field.Path) field.ErrorList {
	errs := validateReplicas(spec.Replicas, path.Child("replicas"))
	errs = append(errs, validateSelectedTemplate(spec.Selector, &spec.Template, "replicaset", path)...)
	return append(errs, nonNegative(spec.MinReadySeconds, path.Child("minReadySeconds"))...)
}

func validateReplicas(replicas *int32, path *field.Path) field.ErrorList {
	if replicas == nil {
		return nil
	}
	return nonNegative(*replicas, path)
}

// validateSelectedTemplate checks a workload's selector and the pod
// template it must select, as Kubernetes does for ReplicaSets and
// Deployments: the template runs forever, so restartPolicy is Always.
func validateSelectedTemplate(sel *metav1.LabelSelector, tmpl *corev1.PodTemplateSpec, kind string, path *field.Path) field.ErrorList {
	errs := validateWorkloadSelector(sel, tmpl.Labels, kind, path)
	return append(errs, validateLongRunningTemplate(tmpl, path.Child("template"))...)
}

// validateWorkloadSelector checks that a workload has a valid, non-empty
// selector that matches its template's labels.
func validateWorkloadSelector(sel *metav1.LabelSelector, tmplLabels map[string]string, kind string, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	selPath := path.Child("selector")
	switch {
	case sel == nil:
		errs = append(errs, field.Required(selPath, ""))
	case len(sel.MatchLabels)+len(sel.MatchExpressions) == 0:
		errs = append(errs, field.Invalid(selPath, sel, "empty selector is invalid for "+kind))
	default:
		errs = append(errs, metav1validation.ValidateLabelSelector(sel, metav1validation.LabelSelectorValidationOptions{}, selPath)...)
		if s, err := metav1.LabelSelectorAsSelector(sel); err == nil && !s.Matches(labels.Set(tmplLabels)) {
			errs = append(errs, field.Invalid(path.Child("template", "metadata", "labels"), tmplLabels,
				"`selector` does not match template `labels`"))
		}
	}
	return errs
}

// validateLongRunningTemplate checks the pod template of a workload whose
// pods run forever: restartPolicy Always, no activeDeadlineSeconds.
func validateLongRunningTemplate(tmpl *corev1.PodTemplateSpec, tp *field.Path) field.ErrorList {
	errs := validateTemplateMeta(&tmpl.ObjectMeta, tp.Child("metadata"))
	errs = append(errs, validatePodSpec(&tmpl.Spec, tp.Child("spec"))...)
	if rp := tmpl.Spec.RestartPolicy; rp != "" && rp != corev1.RestartPolicyAlways {
		errs = append(errs, field.NotSupported(tp.Child("spec", "restartPolicy"), rp, []string{string(corev1.RestartPolicyAlways)}))
	}
	if tmpl.Spec.ActiveDeadlineSeconds != nil {
		errs = append(errs, field.Forbidden(tp.Child("spec", "activeDeadlineSeconds"),
			"activeDeadlineSeconds in ReplicaSet is not Supported"))
	}
	return errs
}

func validateStrategy(s *appsv1.DeploymentStrategy, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	switch s.Type {
	case appsv1.RecreateDeploymentStrategyType:
		if s.RollingUpdate != nil {
			errs = append(errs, field.Forbidden(path.Child("rollingUpdate"),
				"may not be specified when strategy `type` is '"+string(appsv1.RecreateDeploymentStrategyType)+"'"))
		}
	case appsv1.RollingUpdateDeploymentStrategyType:
		if s.RollingUpdate == nil {
			errs = append(errs, field.Required(path.Child("rollingUpdate"), "this should be defaulted and never be nil"))
		} else {
			errs = append(errs, validateRollingUpdate(s.RollingUpdate, path.Child("rollingUpdate"))...)
		}
	default:
		errs = append(errs, oneOf(s.Type, deploymentStrategies, path.Child("type"))...)
	}
	return errs
}

func validateRollingUpdate(ru *appsv1.RollingUpdateDeployment, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	unavailPath, surgePath := path.Child("maxUnavailable"), path.Child("maxSurge")
	errs = append(errs, intOrPercent(ru.MaxUnavailable, unavailPath)...)
	errs = append(errs, intOrPercent(ru.MaxSurge, surgePath)...)
	if ru.MaxUnavailable != nil && ru.MaxUnavailable.Type == intstr.String && percentOf(*ru.MaxUnavailable) > 100 {
		errs = append(errs, field.Invalid(unavailPath, ru.MaxUnavailable.StrVal, "must not be greater than 100%"))
	}
	if isZero(ru.MaxUnavailable) && isZero(ru.MaxSurge) {
		errs = append(errs, field.Invalid(unavailPath, ru.MaxUnavailable, "may not be 0 when `maxSurge` is 0"))
	}
	return errs
}

// intOrPercent is Kubernetes' ValidatePositiveIntOrPercent.
func intOrPercent(v *intstr.IntOrString, path *field.Path) field.ErrorList {
	if v == nil {
		return nil
	}
	if v.Type == intstr.String {
		var errs field.ErrorList
		for _, msg := range validation.IsValidPercent(v.StrVal) {
			errs = append(errs, field.Invalid(path, v.StrVal, msg))
		}
		return errs
	}
	return nonNegative(v.IntVal, path)
}

// percentOf reads "25%" as 25; anything else as 0.
func percentOf(v intstr.IntOrString) int {
	if len(validation.IsValidPercent(v.StrVal)) > 0 {
		return 0
	}
	n := 0
	for _, r := range v.StrVal[:len(v.StrVal)-1] {
		n = n*10 + int(r-'0')
		if n > 1000 {
			break
		}
	}
	return n
}

func isZero(v *intstr.IntOrString) bool {
	if v == nil {
		return true
	}
	if v.Type == intstr.String {
		return len(validation.IsValidPercent(v.StrVal)) == 0 && percentOf(*v) == 0
	}
	return v.IntVal == 0
}
