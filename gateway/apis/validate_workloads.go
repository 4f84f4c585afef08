package apis

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var daemonSetStrategies = []appsv1.DaemonSetUpdateStrategyType{appsv1.RollingUpdateDaemonSetStrategyType, appsv1.OnDeleteDaemonSetStrategyType}

// validateWorkloads checks ReplicationControllers, DaemonSets, Jobs and
// CronJobs as kube-apiserver does; old is nil on create.
func validateWorkloads(obj, old any) field.ErrorList {
	spec := field.NewPath("spec")
	switch o := obj.(type) {
	case *corev1.ReplicationController:
		return validateReplicationControllerSpec(&o.Spec, spec)
	case *appsv1.DaemonSet:
		errs := validateDaemonSetSpec(&o.Spec, spec)
		if prev, ok := old.(*appsv1.DaemonSet); ok {
			errs = append(errs, apimachineryvalidation.ValidateImmutableField(o.Spec.Selector, prev.Spec.Selector, spec.Child("selector"))...)
		}
		return errs
	case *batchv1.Job:
		errs := validateJob(o)
		if prev, ok := old.(*batchv1.Job); ok {
			errs = append(errs, validateJobUpdate(o, prev)...)
		}
		return errs
	case *batchv1.CronJob:
		return validateCronJob(o)
	case *appsv1.StatefulSet:
		prev, _ := old.(*appsv1.StatefulSet)
		return validateStatefulSet(o, prev)
	}
	return validateStorage(obj, old)
}

// validateReplicationControllerSpec: an equality selector that is not empty
// and matches the template, whose pods run forever.
func validateReplicationControllerSpec(s *corev1.ReplicationControllerSpec, path *field.Path) field.ErrorList {
	errs := validateReplicas(s.Replicas, path.Child("replicas"))
	errs = append(errs, nonNegative(s.MinReadySeconds, path.Child("minReadySeconds"))...)
	if len(s.Selector) == 0 {
		errs = append(errs, field.Required(path.Child("selector"), ""))
	} else {
		errs = append(errs, validateLabels(s.Selector, path.Child("selector"))...)
	}
	tp := path.Child("template")
	if s.Template == nil {
		return append(errs, field.Required(tp, ""))
	}
	if sel := labels.SelectorFromSet(s.Selector); !sel.Empty() && !sel.Matches(labels.Set(s.Template.Labels)) {
		errs = append(errs, field.Invalid(tp.Child("metadata", "labels"), s.Template.Labels, "`selector` does not match template `labels`"))
	}
	return append(errs, validateLongRunningTemplate(s.Template, tp)...)
}

func validateDaemonSetSpec(s *appsv1.DaemonSetSpec, path *field.Path) field.ErrorList {
	errs := validateSelectedTemplate(s.Selector, &s.Template, "daemonset", path)
	errs = append(errs, nonNegative(s.MinReadySeconds, path.Child("minReadySeconds"))...)
	if s.RevisionHistoryLimit != nil {
		errs = append(errs, nonNegative(*s.RevisionHistoryLimit, path.Child("revisionHistoryLimit"))...)
	}
	up := path.Child("updateStrategy")
	switch s.UpdateStrategy.Type {
	case appsv1.OnDeleteDaemonSetStrategyType:
	case appsv1.RollingUpdateDaemonSetStrategyType:
		if s.UpdateStrategy.RollingUpdate == nil {
			errs = append(errs, field.Required(up.Child("rollingUpdate"), ""))
		} else {
			errs = append(errs, validateRollingUpdateDaemonSet(s.UpdateStrategy.RollingUpdate, up.Child("rollingUpdate"))...)
		}
	default:
		errs = append(errs, oneOf(s.UpdateStrategy.Type, daemonSetStrategies, up.Child("type"))...)
	}
	return errs
}

// validateRollingUpdateDaemonSet: exactly one of maxUnavailable and
// maxSurge is non-zero, each an int or a percentage of at most 100%.
func validateRollingUpdateDaemonSet(ru *appsv1.RollingUpdateDaemonSet, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	check := func(v *intstr.IntOrString, p *field.Path) bool {
		if isZero(v) {
			return false
		}
		errs = append(errs, intOrPercent(v, p)...)
		if v.Type == intstr.String && percentOf(*v) > 100 {
			errs = append(errs, field.Invalid(p, v.StrVal, "must not be greater than 100%"))
		}
		return true
	}
	unavailable := check(ru.MaxUnavailable, path.Child("maxUnavailable"))
	surge := check(ru.MaxSurge, path.Child("maxSurge"))
	switch {
	case unavailable && surge:
		errs = append(errs, field.Invalid(path.Child("maxSurge"), ru.MaxSurge, "may not be set when maxUnavailable is non-zero"))
	case !unavailable && !surge:
		errs = append(errs, field.Required(path.Child("maxUnavailable"), "cannot be 0 when maxSurge is 0"))
	}
	return errs
}
