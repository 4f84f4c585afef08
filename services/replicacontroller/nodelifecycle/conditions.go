package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Reasons and messages Kubernetes' node lifecycle controller writes.
const (
	ReasonNodeStatusUnknown  = "NodeStatusUnknown"
	MessageNodeStatusUnknown = "Kubelet stopped posting node status."
	ReasonNodeNeverUpdated   = "NodeStatusNeverUpdated"
	MessageNodeNeverUpdated  = "Kubelet never posted node status."
	// ReasonNodeLost and its message mark a pod evicted from an unreachable node.
	ReasonNodeLost     = "NodeLost"
	messageNodeLostFmt = "Node %s which was running pod %s is unresponsive"
)

// monitored are the conditions the agent keeps up; all turn Unknown together.
var monitored = []corev1.NodeConditionType{corev1.NodeReady, corev1.NodeMemoryPressure, corev1.NodeDiskPressure, corev1.NodePIDPressure}

// markUnknown returns a copy of node with every monitored condition Unknown
// (a missing Ready condition is added), and whether anything changed.
// Heartbeat times stay: they say when the agent last spoke.
func markUnknown(node *corev1.Node, now time.Time) (*corev1.Node, bool) {
	out := node.DeepCopy()
	changed := false
	t := metav1.NewTime(now.UTC().Truncate(time.Second))
	for _, typ := range monitored {
		c := nodeCondition(out, typ)
		if c == nil {
			if typ != corev1.NodeReady {
				continue
			}
			out.Status.Conditions = append(out.Status.Conditions, corev1.NodeCondition{Type: typ, Status: corev1.ConditionUnknown,
				Reason: ReasonNodeNeverUpdated, Message: MessageNodeNeverUpdated, LastTransitionTime: t})
			changed = true
			continue
		}
		if c.Status == corev1.ConditionUnknown {
			continue
		}
		c.Status, c.Reason, c.Message, c.LastTransitionTime = corev1.ConditionUnknown, ReasonNodeStatusUnknown, MessageNodeStatusUnknown, t
		changed = true
	}
	return out, changed
}

func nodeCondition(n *corev1.Node, typ corev1.NodeConditionType) *corev1.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == typ {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}

// readyStatus is the node's Ready status; a node without one is Unknown.
func readyStatus(n *corev1.Node) corev1.ConditionStatus {
	if c := nodeCondition(n, corev1.NodeReady); c != nil {
		return c.Status
	}
	return corev1.ConditionUnknown
}

// markPodUnready returns a copy of pod with its Ready condition False, and
// whether that changed it. Like Kubernetes, it leaves reason and message,
// and a pod without a Ready condition, alone.
func markPodUnready(p *corev1.Pod, now time.Time) (*corev1.Pod, bool) {
	for i, c := range p.Status.Conditions {
		if c.Type != corev1.PodReady {
			continue
		}
		if c.Status == corev1.ConditionFalse {
			return p, false
		}
		out := p.DeepCopy()
		out.Status.Conditions[i].Status = corev1.ConditionFalse
		out.Status.Conditions[i].LastTransitionTime = metav1.NewTime(now.UTC().Truncate(time.Second))
		return out, true
	}
	return p, false
}
