package nodes

import corev1 "k8s.io/api/core/v1"

// ConditionTaint is the NoSchedule taint Kubernetes' node lifecycle
// controller puts on a node by its Ready condition (TaintNodesByCondition):
// unreachable when Unknown, not-ready when False or absent; nil when Ready.
// The scheduler's filters and the DaemonSet decision judge nodes by it.
func ConditionTaint(node *corev1.Node) *corev1.Taint {
	status := corev1.ConditionFalse
	for _, c := range node.Status.Conditions {
		if c.Type == corev1.NodeReady {
			status = c.Status
			break
		}
	}
	switch status {
	case corev1.ConditionTrue:
		return nil
	case corev1.ConditionUnknown:
		return &corev1.Taint{Key: corev1.TaintNodeUnreachable, Effect: corev1.TaintEffectNoSchedule}
	default:
		return &corev1.Taint{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}
	}
}
