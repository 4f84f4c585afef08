package apis

import (
	"fmt"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// Token lifetimes of the TokenRequest API, as kube-apiserver's.
const (
	DefaultTokenExpirationSeconds = 60 * 60
	MinTokenExpirationSeconds     = 10 * 60
	MaxTokenExpirationSeconds     = 1 << 32
)

// DefaultTokenRequest fills what kube-apiserver fills in a TokenRequest's
// spec: an hour's lifetime and, without audiences, the API's own.
func DefaultTokenRequest(spec *authenticationv1.TokenRequestSpec, apiAudiences []string) {
	if spec.ExpirationSeconds == nil {
		s := int64(DefaultTokenExpirationSeconds)
		spec.ExpirationSeconds = &s
	}
	if len(spec.Audiences) == 0 {
		spec.Audiences = append([]string(nil), apiAudiences...)
	}
}

// ValidateTokenRequest checks a defaulted TokenRequest's spec with
// kube-apiserver's paths and messages.
func ValidateTokenRequest(spec *authenticationv1.TokenRequestSpec) field.ErrorList {
	var errs field.ErrorList
	path := field.NewPath("spec", "expirationSeconds")
	if spec.ExpirationSeconds != nil {
		switch s := *spec.ExpirationSeconds; {
		case s < MinTokenExpirationSeconds:
			errs = append(errs, field.Invalid(path, s, "may not specify a duration less than 10 minutes"))
		case s > MaxTokenExpirationSeconds:
			errs = append(errs, field.Invalid(path, s, "may not specify a duration larger than 2^32 seconds"))
		}
	}
	if ref := spec.BoundObjectRef; ref != nil && ref.Name == "" {
		errs = append(errs, field.Required(field.NewPath("spec", "boundObjectRef", "name"), ""))
	}
	return errs
}

// BoundPod checks that a token of ServiceAccount sa may be bound to ref
// (the pod found under its name, nil when none is): as kube-apiserver, only
// to a pod of that ServiceAccount, with the uid the reference names. Jetplane
// binds to pods only; Kubernetes also binds to Secrets and Nodes.
func BoundPod(sa string, ref *authenticationv1.BoundObjectReference, pod *corev1.Pod) error {
	gvk := schema.FromAPIVersionAndKind(ref.APIVersion, ref.Kind)
	if gvk.Group != "" || gvk.Kind != "Pod" {
		return apierrors.NewBadRequest(fmt.Sprintf("cannot bind token to object of type %s", gvk.String()))
	}
	if pod == nil {
		return apierrors.NewNotFound(corev1.Resource("pods"), ref.Name)
	}
	if ref.UID != "" && ref.UID != pod.UID {
		return apierrors.NewConflict(schema.GroupResource{Resource: gvk.Kind}, ref.Name, fmt.Errorf(
			"the UID in the bound object reference (%s) does not match the UID in record. The object might have been deleted and then recreated", ref.UID))
	}
	podSA := pod.Spec.ServiceAccountName
	if podSA == "" {
		podSA = "default"
	}
	if podSA != sa {
		return apierrors.NewBadRequest(fmt.Sprintf("cannot bind token for serviceaccount %q to pod running with different serviceaccount name.", sa))
	}
	return nil
}
