package daemon

import (
	"github.com/go-logr/logr"
	"github.com/jetplane/jetplane/nodes"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	schedulinghelper "k8s.io/component-helpers/scheduling/corev1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// nodeNameField is the field a daemon pod's node affinity pins.
const nodeNameField = "metadata.name"

// shouldRun tells whether a daemon pod should be created on node, and
// whether one already there should keep running, as Kubernetes'
// NodeShouldRunDaemonPod does.
func shouldRun(ds *appsv1.DaemonSet, node *corev1.Node) (run, keep bool) {
	tmpl := &ds.Spec.Template.Spec
	if tmpl.NodeName != "" && tmpl.NodeName != node.Name {
		return false, false
	}
	pod := &corev1.Pod{Spec: *tmpl.DeepCopy()}
	addDaemonTolerations(&pod.Spec)
	if ok, err := nodeaffinity.GetRequiredNodeAffinity(pod).Match(node); !ok || err != nil {
		return false, false
	}
	taints := nodeTaints(node)
	if _, untolerated := schedulinghelper.FindMatchingUntoleratedTaint(logr.Discard(), taints, pod.Spec.Tolerations,
		func(t *corev1.Taint) bool {
			return t.Effect == corev1.TaintEffectNoSchedule || t.Effect == corev1.TaintEffectNoExecute
		}, false); !untolerated {
		return true, true
	}
	// A pod already there stays unless a NoExecute taint would evict it.
	_, evicted := schedulinghelper.FindMatchingUntoleratedTaint(logr.Discard(), taints, pod.Spec.Tolerations,
		func(t *corev1.Taint) bool { return t.Effect == corev1.TaintEffectNoExecute }, false)
	return false, !evicted
}

// nodeTaints are the node's taints plus the ones Kubernetes' node lifecycle
// controller would put on it by condition: not-ready (or unreachable when
// the condition is Unknown) and unschedulable for a cordoned node.
func nodeTaints(node *corev1.Node) []corev1.Taint {
	taints := append([]corev1.Taint(nil), node.Spec.Taints...)
	if t := nodes.ConditionTaint(node); t != nil {
		taints = append(taints, *t)
	}
	if node.Spec.Unschedulable {
		taints = append(taints, corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule})
	}
	return taints
}

// daemonTolerations are the ones Kubernetes adds to every daemon pod.
var daemonTolerations = []corev1.Toleration{
	{Key: corev1.TaintNodeNotReady, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: corev1.TaintNodeUnreachable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoExecute},
	{Key: corev1.TaintNodeDiskPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeMemoryPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodePIDPressure, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
	{Key: corev1.TaintNodeUnschedulable, Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule},
}

// addDaemonTolerations adds each daemon toleration the spec lacks (same key
// and effect); host-network pods also tolerate an unavailable network.
func addDaemonTolerations(spec *corev1.PodSpec) {
	add := daemonTolerations
	if spec.HostNetwork {
		add = append(add[:len(add):len(add)], corev1.Toleration{Key: corev1.TaintNodeNetworkUnavailable,
			Operator: corev1.TolerationOpExists, Effect: corev1.TaintEffectNoSchedule})
	}
	for _, t := range add {
		has := false
		for _, have := range spec.Tolerations {
			if have.Key == t.Key && have.Effect == t.Effect {
				has = true
				break
			}
		}
		if !has {
			spec.Tolerations = append(spec.Tolerations, t)
		}
	}
}

// pinToNode replaces the required node affinity terms with one that names
// the node, as Kubernetes' ReplaceDaemonSetPodNodeNameNodeAffinity does; the
// controller has already checked the template's own terms against it.
func pinToNode(spec *corev1.PodSpec, node string) {
	term := corev1.NodeSelectorTerm{MatchFields: []corev1.NodeSelectorRequirement{
		{Key: nodeNameField, Operator: corev1.NodeSelectorOpIn, Values: []string{node}}}}
	if spec.Affinity == nil {
		spec.Affinity = &corev1.Affinity{}
	}
	if spec.Affinity.NodeAffinity == nil {
		spec.Affinity.NodeAffinity = &corev1.NodeAffinity{}
	}
	spec.Affinity.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution = &corev1.NodeSelector{
		NodeSelectorTerms: []corev1.NodeSelectorTerm{term}}
}

// TargetNode is the node a daemon pod is for: the one it is bound to, else
// the one its node affinity pins; "" when neither says.
func TargetNode(p *corev1.Pod) string {
	if p.Spec.NodeName != "" {
		return p.Spec.NodeName
	}
	a := p.Spec.Affinity
	if a == nil || a.NodeAffinity == nil || a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution == nil {
		return ""
	}
	for _, term := range a.NodeAffinity.RequiredDuringSchedulingIgnoredDuringExecution.NodeSelectorTerms {
		for _, f := range term.MatchFields {
			if f.Key == nodeNameField && f.Operator == corev1.NodeSelectorOpIn && len(f.Values) == 1 {
				return f.Values[0]
			}
		}
	}
	return ""
}

// byAge orders a node's daemon pods as Kubernetes does: bound before
// unbound, then oldest first, then by name.
func byAge(a, b *corev1.Pod) int {
	if (a.Spec.NodeName != "") != (b.Spec.NodeName != "") {
		if a.Spec.NodeName != "" {
			return -1
		}
		return 1
	}
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		if a.CreationTimestamp.Before(&b.CreationTimestamp) {
			return -1
		}
		return 1
	}
	switch {
	case a.Name < b.Name:
		return -1
	case a.Name > b.Name:
		return 1
	}
	return 0
}
