package placement

import (
	"fmt"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/component-helpers/scheduling/corev1/nodeaffinity"
)

// Reasons a node does not fit, worded as kube-scheduler's filter plugins word
// them (NodeUnschedulable, NodeAffinity, NodePorts, NodeResourcesFit).
const (
	ReasonUnschedulable      = "node(s) were unschedulable"
	ReasonNodeAffinity       = "node(s) didn't match Pod's node affinity/selector"
	ReasonNodePorts          = "node(s) didn't have free ports for the requested pod ports"
	ReasonTooManyPods        = "Too many pods"
	ReasonInsufficientCPU    = "Insufficient cpu"
	ReasonInsufficientMemory = "Insufficient memory"
)

// ReasonUntoleratedTaint is the TaintToleration plugin's reason for taint t.
func ReasonUntoleratedTaint(t *corev1.Taint) string {
	return fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value)
}

// podFacts is what the filters and scores read from the pod, derived once
// per decision rather than once per node.
type podFacts struct {
	pod       *corev1.Pod
	requests  Requests
	scoreReq  Requests
	ports     []HostPort
	required  nodeaffinity.RequiredNodeAffinity
	preferred *nodeaffinity.PreferredSchedulingTerms // nil: no preferences
	owner     uint64                                 // ownerHash of the controller's UID, 0 for none
}

func factsOf(p *corev1.Pod) *podFacts {
	f := &podFacts{
		pod:      p,
		requests: PodRequests(p),
		scoreReq: podScoreRequests(p),
		ports:    hostPorts(p),
		required: nodeaffinity.GetRequiredNodeAffinity(p),
		owner:    ownerHash(controllerUID(p)),
	}
	if a := p.Spec.Affinity; a != nil && a.NodeAffinity != nil && len(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution) > 0 {
		// An invalid term is ignored, as kube-scheduler's NodeAffinity plugin
		// would have refused it at PreFilter; API validation keeps them out.
		f.preferred, _ = nodeaffinity.NewPreferredSchedulingTerms(a.NodeAffinity.PreferredDuringSchedulingIgnoredDuringExecution)
	}
	return f
}

// Filter returns why pod cannot go to n; none means it fits. As in
// kube-scheduler, the first failing filter speaks for the node, in the
// default profile's order; the resource filter names every shortfall.
func Filter(pod *corev1.Pod, n *NodeInfo) []string {
	return filter(factsOf(pod), n)
}

func filter(f *podFacts, n *NodeInfo) []string {
	node := n.Node
	if node.Spec.Unschedulable && !tolerated(f.pod.Spec.Tolerations, &unschedulableTaint) {
		return []string{ReasonUnschedulable}
	}
	if t := untoleratedTaint(f.pod.Spec.Tolerations, n); t != nil {
		return []string{ReasonUntoleratedTaint(t)}
	}
	// A selector that does not parse matches no node, as in kube-scheduler.
	if ok, err := f.required.Match(node); !ok || err != nil {
		return []string{ReasonNodeAffinity}
	}
	if len(f.ports) > 0 && portsConflict(n.Ports, f.ports) {
		return []string{ReasonNodePorts}
	}
	return insufficient(f.requests, n)
}

// unschedulableTaint is how a cordon looks to tolerations.
var unschedulableTaint = corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}

// untoleratedTaint is the first NoSchedule or NoExecute taint of the node
// (the implied not-ready one first) that the pod does not tolerate.
func untoleratedTaint(tols []corev1.Toleration, n *NodeInfo) *corev1.Taint {
	if t := n.readyTaint; t != nil && !tolerated(tols, t) {
		return t
	}
	for i := range n.Node.Spec.Taints {
		t := &n.Node.Spec.Taints[i]
		if t.Effect == corev1.TaintEffectPreferNoSchedule {
			continue
		}
		if !tolerated(tols, t) {
			return t
		}
	}
	return nil
}

// tolerated applies Kubernetes' own toleration matching.
func tolerated(tols []corev1.Toleration, t *corev1.Taint) bool {
	for i := range tols {
		// Gt/Lt comparisons are an alpha feature of Kubernetes; off, as there.
		if tols[i].ToleratesTaint(logr.Discard(), t, false) {
			return true
		}
	}
	return false
}

// insufficient lists every resource the node lacks for req.
func insufficient(req Requests, n *NodeInfo) []string {
	var out []string
	alloc := n.allocatable
	if n.Pods+1 > alloc.Pods {
		out = append(out, ReasonTooManyPods)
	}
	if req.MilliCPU > 0 && req.MilliCPU > alloc.MilliCPU-n.Requested.MilliCPU {
		out = append(out, ReasonInsufficientCPU)
	}
	if req.Memory > 0 && req.Memory > alloc.Memory-n.Requested.Memory {
		out = append(out, ReasonInsufficientMemory)
	}
	return out
}
