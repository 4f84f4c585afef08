package placement

import corev1 "k8s.io/api/core/v1"

// WithVolumeAffinity is pod as the scheduler places it when its volumes
// live on some nodes only (a local volume's node affinity, as
// kube-scheduler's VolumeBinding plugin checks): each volume's required
// node selector is ANDed into the pod's own. The pod itself is unchanged;
// without volume selectors it is returned as it is.
func WithVolumeAffinity(pod *corev1.Pod, volumes []*corev1.NodeSelector) *corev1.Pod {
	if len(volumes) == 0 {
		return pod
	}
	p := pod.DeepCopy()
	if p.Spec.Affinity == nil {
		p.Spec.Affinity = &corev1.Affinity{}
	}
	if p.Spec.Affinity.NodeAffinity == nil {
		p.Spec.Affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	na := p.Spec.Affinity.NodeAffinity
	terms := []corev1.NodeSelectorTerm{{}} // the pod's own terms, ORed; none: anything
	if na.RequiredDuringSchedulingIgnoredDuringExecution != nil && len(na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms) > 0 {
		terms = na.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	}
	for _, sel := range volumes {
		if sel == nil || len(sel.NodeSelectorTerms) == 0 {
			continue
		}
		var next []corev1.NodeSelectorTerm // (a ∨ b) ∧ (c ∨ d) = ac ∨ ad ∨ bc ∨ bd
		for _, t := range terms {
			for _, v := range sel.NodeSelectorTerms {
				next = append(next, corev1.NodeSelectorTerm{
					MatchExpressions: append(append([]corev1.NodeSelectorRequirement(nil), t.MatchExpressions...), v.MatchExpressions...),
					MatchFields:      append(append([]corev1.NodeSelectorRequirement(nil), t.MatchFields...), v.MatchFields...),
				})
			}
		}
		terms = next
	}
	na.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{NodeSelectorTerms: terms}
	return p
}
