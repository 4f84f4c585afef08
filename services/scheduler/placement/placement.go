package placement

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// NoNodesMessage is Kubernetes' message when the cluster has no node at all.
const NoNodesMessage = "no nodes available to schedule pods"

// FitError says why no node fits: how many nodes gave each reason.
type FitError struct {
	NumAllNodes int
	Reasons     map[string]int // reason → number of nodes
}

// Error renders the message kube-scheduler puts on the PodScheduled
// condition, e.g. "0/3 nodes are available: 1 node(s) didn't match Pod's
// node affinity/selector, 2 Insufficient cpu." Like kube-scheduler it sorts
// the "<count> <reason>" strings as a whole.
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

// Schedule chooses the node for pod among nodes (entries without a Node are
// skipped), or returns a *FitError saying why none fits. The order of nodes
// does not matter: ties go to the first node name.
func Schedule(pod *corev1.Pod, nodes []*NodeInfo) (string, error) {
	f := factsOf(pod)
	fit := &FitError{Reasons: map[string]int{}}
	cands := make([]candidate, 0, len(nodes))
	for _, n := range nodes {
		if n.Node == nil {
			continue
		}
		fit.NumAllNodes++
		if reasons := filter(f, n); len(reasons) > 0 {
			for _, r := range reasons {
				fit.Reasons[r]++
			}
			continue
		}
		cands = append(cands, rate(f, n))
	}
	if len(cands) == 0 {
		return "", fit
	}
	return best(cands).Node.Name, nil
}
