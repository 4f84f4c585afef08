package rollout

import (
	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// PodTemplateHash names a pod template (workload.TemplateHash).
func PodTemplateHash(tmpl *corev1.PodTemplateSpec, collisionCount *int32) string {
	return workload.TemplateHash(tmpl, collisionCount)
}

// templatesEqual compares two pod templates ignoring pod-template-hash, as
// Kubernetes matches a ReplicaSet to its Deployment's current template.
func templatesEqual(a, b *corev1.PodTemplateSpec) bool {
	a, b = a.DeepCopy(), b.DeepCopy()
	delete(a.Labels, PodTemplateHashLabel)
	delete(b.Labels, PodTemplateHashLabel)
	return equality.Semantic.DeepEqual(a, b)
}

// withLabel returns a copy of m with k=v added.
func withLabel(m map[string]string, k, v string) map[string]string {
	out := make(map[string]string, len(m)+1)
	for key, val := range m {
		out[key] = val
	}
	out[k] = v
	return out
}
