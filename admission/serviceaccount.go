package admission

import (
	"errors"
	"fmt"

	corev1 "k8s.io/api/core/v1"
)

// ErrServiceAccount marks a refusal by the ServiceAccount plugin.
var ErrServiceAccount = errors.New("serviceaccount admission")

type refusal struct{ msg string }

func (e *refusal) Error() string        { return e.msg }
func (e *refusal) Is(target error) bool { return target == ErrServiceAccount }

// ServiceAccount is the ServiceAccount plugin on a new pod: an empty
// spec.serviceAccountName becomes "default" (and the deprecated
// spec.serviceAccount follows it), and a named account must exist in the
// pod's namespace. Unlike kube-apiserver, a pod of the "default" account
// is admitted before the account exists: it is created by a controller
// after its namespace, and Jetplane mounts no token that would need it.
func ServiceAccount(pod *corev1.Pod, exists func(namespace, name string) bool) error {
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = pod.Spec.DeprecatedServiceAccount
	}
	if pod.Spec.ServiceAccountName == "" {
		pod.Spec.ServiceAccountName = "default"
	}
	if pod.Spec.DeprecatedServiceAccount == "" {
		pod.Spec.DeprecatedServiceAccount = pod.Spec.ServiceAccountName
	}
	name := pod.Spec.ServiceAccountName
	if name == "default" || exists(pod.Namespace, name) {
		return nil
	}
	return &refusal{msg: fmt.Sprintf("error looking up service account %s/%s: serviceaccount %q not found",
		pod.Namespace, name, name)}
}
