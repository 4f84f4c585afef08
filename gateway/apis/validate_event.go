package apis

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateEvent follows kube-apiserver's rule for Events clients write:
// one about a namespaced object lives in that object's namespace.
func validateEvent(e *corev1.Event) field.ErrorList {
	ns := e.InvolvedObject.Namespace
	if ns != "" && ns != e.Namespace {
		return field.ErrorList{field.Invalid(field.NewPath("involvedObject", "namespace"), ns, "does not match event.namespace")}
	}
	return nil
}
