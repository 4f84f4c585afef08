package replicacontroller

import (
	"github.com/jetplane/jetplane/podsecurity"
	"github.com/jetplane/jetplane/projections"
	corev1 "k8s.io/api/core/v1"
)

// podSecurityDenial is why the namespace's PodSecurity enforce level
// refuses a pod this controller would create, or "". kube-apiserver refuses
// such a create to the ReplicaSet (or Job, DaemonSet) controller; here the
// controllers append their pods themselves, so they ask the same checks
// first and create nothing the gateway would have refused.
func podSecurityDenial(st *projections.State, pod *corev1.Pod) string {
	ns := st.Live("namespaces", "", pod.Namespace)
	if ns == nil {
		return ""
	}
	policy, _ := podsecurity.PolicyOf(ns.Object.GetLabels()) // invalid labels fail closed, as the gateway's
	vs := podsecurity.Evaluate(policy.Enforce, &pod.ObjectMeta, &pod.Spec)
	if len(vs) == 0 {
		return ""
	}
	return podsecurity.Denial(policy.Enforce, vs)
}
