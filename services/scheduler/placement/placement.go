package placement

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// Reasons a node does not fit, worded as the Kubernetes scheduler words them.
const (
	ReasonUnschedulable      = "node(s) were unschedulable"
	ReasonNodeSelector       = "node(s) didn't match Pod's node affinity/selector"
	ReasonTooManyPods        = "Too many pods"
	ReasonInsufficientCPU    = "Insufficient cpu"
	ReasonInsufficientMemory = "Insufficient memory"
)

// NoNodesMessage is Kubernetes' message when the cluster has no node at all.
const NoNodesMessage = "no nodes available to schedule pods"

// NodeInfo is one candidate node and the pods already bound to it.
type NodeInfo struct {
	Node *corev1.Node
	Pods []*corev1.Pod
}

// FitError says why no node fits: how many nodes gave each reason.
type FitError struct {
	NumAllNodes int
	Reasons     map[string]int // reason → number of nodes
}

// Error renders the message Kubernetes puts on the PodScheduled condition,
// e.g. "0/3 nodes are available: 1 node(s) didn't match Pod's node
// affinity/selector, 2 Insufficient cpu." Like Kubernetes it sorts the
// "<count> <reason>" strings as a whole.
func (e *FitError) Error() string {
	if e.NumAllNodes == 0 {
		return NoNodesMessage
	}
	parts := make([]string, 0, len(e.Reasons))
	for reason, n := range e.Reasons {
		parts = append(parts, fmt.Sprintf("%d %s", n, reason))
	}
	sort.Strings(parts)
	msg := fmt.Sprintf("0/%d nodes are available:", e.NumAllNodes)
	if len(parts) > 0 {
		msg += " " + strings.Join(parts, ", ")
	}
	return msg + "."
}

// Schedule chooses the node for pod, or returns a *FitError saying why none
// fits. The order of nodes does not matter: ties are broken by node name.
func Schedule(pod *corev1.Pod, nodes []NodeInfo) (string, error) {
	fit := &FitError{NumAllNodes: len(nodes), Reasons: map[string]int{}}
	if len(nodes) == 0 {
		return "", fit
	}
	req := PodRequests(pod)
	owner := controllerUID(pod)
	var best *candidate
	for _, n := range nodes {
		if reasons := Filter(pod, req, n); len(reasons) > 0 {
			for _, r := range reasons {
				fit.Reasons[r]++
			}
			continue
		}
		c := score(req, owner, n)
		if best == nil || c.better(best) {
			best = &c
		}
	}
	if best == nil {
		return "", fit
	}
	return best.name, nil
}

// Filter returns why pod (asking for req) cannot go to n; none means it fits.
// Only the first failing check speaks, as a Kubernetes filter plugin would.
func Filter(pod *corev1.Pod, req Requests, n NodeInfo) []string {
	node := n.Node
	if node.Spec.Unschedulable && !tolerates(pod, &corev1.Taint{Key: corev1.TaintNodeUnschedulable, Effect: corev1.TaintEffectNoSchedule}) {
		return []string{ReasonUnschedulable}
	}
	if r := untoleratedTaint(pod, node); r != "" {
		return []string{r}
	}
	if !labels.SelectorFromSet(pod.Spec.NodeSelector).Matches(labels.Set(node.Labels)) {
		return []string{ReasonNodeSelector}
	}
	return insufficient(req, allocatable(node), usage(n.Pods))
}

// untoleratedTaint reports the first scheduling taint the pod does not
// tolerate. A node not Ready counts as tainted not-ready:NoSchedule, as the
// Kubernetes node lifecycle controller would have tainted it.
func untoleratedTaint(pod *corev1.Pod, node *corev1.Node) string {
	taints := node.Spec.Taints
	if !isReady(node) {
		taints = append([]corev1.Taint{{Key: corev1.TaintNodeNotReady, Effect: corev1.TaintEffectNoSchedule}}, taints...)
	}
	for i := range taints {
		t := &taints[i]
		if t.Effect == corev1.TaintEffectPreferNoSchedule || tolerates(pod, t) {
			continue
		}
		return fmt.Sprintf("node(s) had untolerated taint {%s: %s}", t.Key, t.Value)
	}
	return ""
}

func isReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// tolerates applies Kubernetes' toleration matching: an empty effect matches
// every effect, an empty key with Exists matches every taint.
func tolerates(pod *corev1.Pod, t *corev1.Taint) bool {
	for _, tol := range pod.Spec.Tolerations {
		if tol.Effect != "" && tol.Effect != t.Effect {
			continue
		}
		if tol.Key == "" && tol.Operator == corev1.TolerationOpExists {
			return true
		}
		if tol.Key != t.Key {
			continue
		}
		switch tol.Operator {
		case corev1.TolerationOpExists:
			return true
		case corev1.TolerationOpEqual, "":
			if tol.Value == t.Value {
				return true
			}
		}
	}
	return false
}

// insufficient lists every resource the node lacks for req.
func insufficient(req Requests, alloc, used capacity) []string {
	var out []string
	if used.Pods+1 > alloc.Pods {
		out = append(out, ReasonTooManyPods)
	}
	if req.MilliCPU > 0 && req.MilliCPU > alloc.MilliCPU-used.MilliCPU {
		out = append(out, ReasonInsufficientCPU)
	}
	if req.Memory > 0 && req.Memory > alloc.Memory-used.Memory {
		out = append(out, ReasonInsufficientMemory)
	}
	return out
}

// candidate is a node that fits, with what ranks it.
type candidate struct {
	name      string
	allocated float64 // mean fraction of pods, cpu, memory in use once the pod is placed
	siblings  int     // pods of the same controller already there
}

// better ranks least allocated first, then the node with fewer siblings
// (spreading a controller's pods), then the node name.
func (c candidate) better(o *candidate) bool {
	if c.allocated != o.allocated {
		return c.allocated < o.allocated
	}
	if c.siblings != o.siblings {
		return c.siblings < o.siblings
	}
	return c.name < o.name
}

func score(req Requests, owner types.UID, n NodeInfo) candidate {
	alloc, used := allocatable(n.Node), usage(n.Pods)
	fracs := []float64{fraction(used.Pods+1, alloc.Pods)}
	// CPU and memory count only where the node offers them, so a node that
	// reports neither is ranked by pod count alone.
	if alloc.MilliCPU > 0 {
		fracs = append(fracs, fraction(used.MilliCPU+req.MilliCPU, alloc.MilliCPU))
	}
	if alloc.Memory > 0 {
		fracs = append(fracs, fraction(used.Memory+req.Memory, alloc.Memory))
	}
	var sum float64
	for _, f := range fracs {
		sum += f
	}
	c := candidate{name: n.Node.Name, allocated: sum / float64(len(fracs))}
	if owner != "" {
		for _, p := range n.Pods {
			if !isTerminal(p) && controllerUID(p) == owner {
				c.siblings++
			}
		}
	}
	return c
}

func controllerUID(p *corev1.Pod) types.UID {
	if ref := metav1.GetControllerOf(p); ref != nil {
		return ref.UID
	}
	return ""
}
