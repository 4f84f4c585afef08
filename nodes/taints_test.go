package nodes

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestConditionTaint(t *testing.T) {
	node := func(conds ...corev1.NodeCondition) *corev1.Node {
		return &corev1.Node{Status: corev1.NodeStatus{Conditions: conds}}
	}
	ready := func(s corev1.ConditionStatus) corev1.NodeCondition {
		return corev1.NodeCondition{Type: corev1.NodeReady, Status: s}
	}
	for _, tt := range []struct {
		name string
		node *corev1.Node
		want string
	}{
		{"ready", node(ready(corev1.ConditionTrue)), ""},
		{"not ready", node(ready(corev1.ConditionFalse)), corev1.TaintNodeNotReady},
		{"unknown", node(ready(corev1.ConditionUnknown)), corev1.TaintNodeUnreachable},
		{"no condition", node(corev1.NodeCondition{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse}), corev1.TaintNodeNotReady},
	} {
		got := ConditionTaint(tt.node)
		switch {
		case tt.want == "" && got != nil:
			t.Errorf("%s: taint %v, want none", tt.name, got)
		case tt.want != "" && (got == nil || got.Key != tt.want || got.Effect != corev1.TaintEffectNoSchedule):
			t.Errorf("%s: taint %v, want %s:NoSchedule", tt.name, got, tt.want)
		}
	}
}
