package placement

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestWithVolumeAffinity(t *testing.T) {
	on := func(node string) corev1.NodeSelectorTerm {
		return corev1.NodeSelectorTerm{MatchExpressions: []corev1.NodeSelectorRequirement{{Key: corev1.LabelHostname, Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}
	}
	pod := &corev1.Pod{Spec: corev1.PodSpec{Affinity: &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
		RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{on("a"), on("b")}}}}}}
	if WithVolumeAffinity(pod, nil) != pod {
		t.Fatal("no volume selectors: the pod itself")
	}
	got := WithVolumeAffinity(pod, []*corev1.NodeSelector{{NodeSelectorTerms: []corev1.NodeSelectorTerm{on("b")}}})
	terms := got.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms
	if len(terms) != 2 || len(terms[0].MatchExpressions) != 2 || terms[1].MatchExpressions[1].Values[0] != "b" {
		t.Fatalf("(a ∨ b) ∧ b: %+v", terms)
	}
	if len(pod.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms[0].MatchExpressions) != 1 {
		t.Fatal("the pod was changed")
	}
	bare := WithVolumeAffinity(&corev1.Pod{}, []*corev1.NodeSelector{{NodeSelectorTerms: []corev1.NodeSelectorTerm{on("c")}}})
	if n := bare.Spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms; len(n) != 1 || n[0].MatchExpressions[0].Values[0] != "c" {
		t.Fatalf("a pod without affinity: %+v", n)
	}
}
