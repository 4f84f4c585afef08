package admission

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ErrServiceAccount marks a refusal by the ServiceAccount plugin.
var ErrServiceAccount = errors.New("serviceaccount admission")

type refusal struct{ msg string }

func (e *refusal) Error() string        { return e.msg }
func (e *refusal) Is(target error) bool { return target == ErrServiceAccount }

// ServiceAccount is the ServiceAccount plugin on a new pod: an empty
// spec.serviceAccountName becomes "default" (and the deprecated
// spec.serviceAccount follows it), a named account must exist in the
// pod's namespace, and the pod gets its API access volume (MountToken).
// Unlike kube-apiserver, a pod of the "default" account is admitted
// before the account exists: it is created by a controller after its
// namespace, and the node waits for it before it asks for the token.
// lookup returns the account (nil when absent); volumeSuffix names a new
// kube-api-access volume (kube-apiserver's five random characters).
func ServiceAccount(pod *corev1.Pod, lookup func(namespace, name string) *corev1.ServiceAccount, volumeSuffix string) error {
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
	sa := lookup(pod.Namespace, name)
	if sa == nil && name != "default" {
		return &refusal{msg: fmt.Sprintf("error looking up service account %s/%s: serviceaccount %q not found",
			pod.Namespace, name, name)}
	}
	MountToken(pod, sa, volumeSuffix)
	return nil
}

// The API access volume every pod gets, as kube-apiserver's plugin makes
// it: a projected token of the pod's account (an hour and seven seconds),
// the cluster's CA from the kube-root-ca.crt ConfigMap and the namespace,
// read-only at TokenMountPath in every container.
const (
	APIAccessVolumePrefix = "kube-api-access-"
	TokenMountPath        = "/var/run/secrets/kubernetes.io/serviceaccount"
	RootCAConfigMap       = "kube-root-ca.crt"
	RootCAKey             = "ca.crt"
	apiAccessTokenSeconds = int64(3607)
	apiAccessMode         = int32(0o644)
)

// MountToken adds the API access volume to pod and mounts it in each
// container (init containers too) that has nothing at TokenMountPath,
// unless the pod, or else its account sa (nil: absent), opts out with
// automountServiceAccountToken: false. A pod that already has such a
// volume keeps it.
func MountToken(pod *corev1.Pod, sa *corev1.ServiceAccount, suffix string) {
	switch auto := pod.Spec.AutomountServiceAccountToken; {
	case auto != nil && !*auto:
		return
	case auto == nil && sa != nil && sa.AutomountServiceAccountToken != nil && !*sa.AutomountServiceAccountToken:
		return
	}
	name, has := APIAccessVolumePrefix+suffix, false
	for _, v := range pod.Spec.Volumes {
		if strings.HasPrefix(v.Name, APIAccessVolumePrefix) {
			name, has = v.Name, true
			break
		}
	}
	needed := false
	mount := func(cs []corev1.Container) {
		for i := range cs {
			if !slices.ContainsFunc(cs[i].VolumeMounts, func(m corev1.VolumeMount) bool { return m.MountPath == TokenMountPath }) {
				cs[i].VolumeMounts = append(cs[i].VolumeMounts, corev1.VolumeMount{Name: name, ReadOnly: true, MountPath: TokenMountPath})
				needed = true
			}
		}
	}
	mount(pod.Spec.InitContainers)
	mount(pod.Spec.Containers)
	if has || !needed {
		return
	}
	seconds, mode := apiAccessTokenSeconds, apiAccessMode
	pod.Spec.Volumes = append(pod.Spec.Volumes, corev1.Volume{Name: name, VolumeSource: corev1.VolumeSource{
		Projected: &corev1.ProjectedVolumeSource{DefaultMode: &mode, Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{ExpirationSeconds: &seconds, Path: "token"}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: corev1.LocalObjectReference{Name: RootCAConfigMap},
				Items: []corev1.KeyToPath{{Key: RootCAKey, Path: RootCAKey}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace",
				FieldRef: &corev1.ObjectFieldSelector{APIVersion: "v1", FieldPath: "metadata.namespace"}}}}},
		}}}})
}
