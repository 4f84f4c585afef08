package apis

import (
	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Validate checks obj as kube-apiserver validates it, with Kubernetes' field
// paths and messages. old is nil on create and the stored object on update.
// The gateway resolves generateName first, so a name is always required.
func Validate(res events.Resource, obj events.Object, old events.Object) field.ErrorList {
	if obj == nil {
		return field.ErrorList{field.Required(field.NewPath(""), "an object is required")}
	}
	errs := validateMeta(res, obj, old)
	switch o := obj.(type) {
	case *corev1.Pod:
		errs = append(errs, validatePodSpec(&o.Spec, field.NewPath("spec"))...)
		if prev, ok := old.(*corev1.Pod); ok {
			errs = append(errs, validatePodUpdate(o, prev)...)
		}
	case *appsv1.Deployment:
		errs = append(errs, validateDeploymentSpec(&o.Spec, field.NewPath("spec"))...)
		if prev, ok := old.(*appsv1.Deployment); ok {
			errs = append(errs, apimachineryvalidation.ValidateImmutableField(
				o.Spec.Selector, prev.Spec.Selector, field.NewPath("spec", "selector"))...)
		}
	case *appsv1.ReplicaSet:
		errs = append(errs, validateReplicaSetSpec(&o.Spec, field.NewPath("spec"))...)
		if prev, ok := old.(*appsv1.ReplicaSet); ok {
			errs = append(errs, apimachineryvalidation.ValidateImmutableField(
				o.Spec.Selector, prev.Spec.Selector, field.NewPath("spec", "selector"))...)
		}
	case *corev1.Service:
		errs = append(errs, validateServiceSpec(&o.Spec, field.NewPath("spec"))...)
		if prev, ok := old.(*corev1.Service); ok {
			errs = append(errs, validateServiceUpdate(o, prev)...)
		}
	case *corev1.Event:
		errs = append(errs, validateEvent(o)...)
	case *eventsv1.Event:
		errs = append(errs, validateEventsV1(o)...)
	case *corev1.Endpoints:
		errs = append(errs, validateEndpointSubsets(o.Subsets, field.NewPath("subsets"))...)
	case *networkingv1.Ingress:
		errs = append(errs, validateIngressSpec(&o.Spec, field.NewPath("spec"))...)
	case *corev1.ResourceQuota:
		errs = append(errs, validateResourceQuota(o)...)
	case *corev1.LimitRange:
		errs = append(errs, validateLimitRange(o)...)
	case *corev1.ConfigMap:
		prev, _ := old.(*corev1.ConfigMap)
		errs = append(errs, validateConfigMap(o, prev)...)
	case *corev1.Secret:
		prev, _ := old.(*corev1.Secret)
		errs = append(errs, validateSecret(o, prev)...)
	}
	errs = append(errs, validateWorkloads(obj, old)...)
	errs = append(errs, validateRBAC(obj, old)...)
	errs = append(errs, validateLease(obj)...)
	errs = append(errs, validateCustom(res, obj, old)...)
	return errs
}

// nameRule is the rule Kubernetes applies to the names of each resource;
// kinds not listed use DNS-1123 subdomains, the most common rule.
func nameRule(res events.Resource) apimachineryvalidation.ValidateNameFunc {
	switch res.Name {
	case "namespaces":
		return apimachineryvalidation.ValidateNamespaceName
	case "services":
		// Service names become DNS labels that must start with a letter.
		return apimachineryvalidation.NameIsDNS1035Label
	}
	if isRBACResource(res) {
		return rbacNameRule
	}
	return apimachineryvalidation.NameIsDNSSubdomain
}

// validateMeta checks metadata on create and update. The resourceVersion
// rule of Kubernetes' update validation is left out: the gateway enforces it
// against the log's sequence itself.
func validateMeta(res events.Resource, obj, old events.Object) field.ErrorList {
	path := field.NewPath("metadata")
	errs := apimachineryvalidation.ValidateObjectMetaAccessor(obj, res.Namespaced, nameRule(res), path)
	if old == nil {
		return errs
	}
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(obj.GetName(), old.GetName(), path.Child("name"))...)
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(obj.GetNamespace(), old.GetNamespace(), path.Child("namespace"))...)
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(obj.GetUID(), old.GetUID(), path.Child("uid"))...)
	if created := old.GetCreationTimestamp(); !created.IsZero() {
		errs = append(errs, apimachineryvalidation.ValidateImmutableField(
			obj.GetCreationTimestamp(), old.GetCreationTimestamp(), path.Child("creationTimestamp"))...)
	}
	if obj.GetGeneration() < old.GetGeneration() {
		errs = append(errs, field.Invalid(path.Child("generation"), obj.GetGeneration(), "must not be decremented"))
	}
	if old.GetDeletionTimestamp() != nil {
		errs = append(errs, apimachineryvalidation.ValidateNoNewFinalizers(
			obj.GetFinalizers(), old.GetFinalizers(), path.Child("finalizers"))...)
	}
	return errs
}

// validateTemplateMeta checks the metadata of a pod template: labels and
// annotations only, as Kubernetes does.
func validateTemplateMeta(m *metav1.ObjectMeta, path *field.Path) field.ErrorList {
	errs := validateLabels(m.Labels, path.Child("labels"))
	return append(errs, apimachineryvalidation.ValidateAnnotations(m.Annotations, path.Child("annotations"))...)
}

// nonNegative is Kubernetes' ValidateNonnegativeField for any integer width.
func nonNegative[T int32 | int64](v T, path *field.Path) field.ErrorList {
	return apimachineryvalidation.ValidateNonnegativeField(int64(v), path)
}

// contains reports whether v is one of the allowed values.
func contains[T ~string](allowed []T, v T) bool {
	for _, a := range allowed {
		if a == v {
			return true
		}
	}
	return false
}

func asStrings[T ~string](vs []T) []string {
	out := make([]string, len(vs))
	for i, v := range vs {
		out[i] = string(v)
	}
	return out
}

// oneOf reports Required when v is empty and NotSupported when it is not
// among the allowed values.
func oneOf[T ~string](v T, allowed []T, path *field.Path) field.ErrorList {
	if v == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	if !contains(allowed, v) {
		return field.ErrorList{field.NotSupported(path, v, asStrings(allowed))}
	}
	return nil
}
