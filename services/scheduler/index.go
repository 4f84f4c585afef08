package scheduler

import (
	"sort"
	"sync"

	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/scheduler/placement"
	corev1 "k8s.io/api/core/v1"
)

// index keeps, per node, what the pods bound to it hold (placement.NodeInfo),
// updated from each applied event, so that a decision reads totals instead
// of re-summing every node's pods. It also remembers which pending pods were
// found unschedulable, to retry them when room appears.
type index struct {
	mu    sync.Mutex
	nodes map[string]*placement.NodeInfo // by node name; pods may name a node not (yet) known
	list  []*placement.NodeInfo          // the known nodes, sorted by name; rebuilt when the set changes
	stale bool                           // list must be rebuilt
	// unschedulable holds the keys of pending pods no node could take.
	unschedulable map[string]bool
}

func newIndex() *index {
	return &index{nodes: map[string]*placement.NodeInfo{}, unschedulable: map[string]bool{}}
}

func (x *index) info(name string) *placement.NodeInfo {
	n := x.nodes[name]
	if n == nil {
		n = placement.NewNodeInfo(nil)
		x.nodes[name] = n
	}
	return n
}

// applyNode records a node's new state (nil: deleted).
func (x *index) applyNode(name string, node *corev1.Node) {
	n := x.info(name)
	if (n.Node == nil) != (node == nil) {
		x.stale = true
	}
	n.SetNode(node)
}

// applyPod moves a pod's share from where it was (prev) to where it is now
// (cur); either may be nil. It reports whether room was freed on a node.
func (x *index) applyPod(prev, cur *corev1.Pod) (freed bool) {
	if prev != nil && placement.HoldsCapacity(prev) {
		x.info(prev.Spec.NodeName).RemovePod(prev)
		freed = cur == nil || !placement.HoldsCapacity(cur) || cur.Spec.NodeName != prev.Spec.NodeName
	}
	if cur != nil && placement.HoldsCapacity(cur) {
		x.info(cur.Spec.NodeName).AddPod(cur)
	}
	return freed
}

// known returns the known nodes sorted by name and their positions; callers
// hold mu and must not change the infos (clone to try a placement).
func (x *index) known() []*placement.NodeInfo {
	if x.stale || x.list == nil {
		x.list = x.list[:0]
		for _, n := range x.nodes {
			if n.Node != nil {
				x.list = append(x.list, n)
			}
		}
		sort.Slice(x.list, func(i, j int) bool { return x.list[i].Node.Name < x.list[j].Node.Name })
		x.stale = false
	}
	return x.list
}

// podOf returns the live pod of an entry, or nil.
func podOf(e *projections.Entry) *corev1.Pod {
	if e == nil || e.Deleted() {
		return nil
	}
	p, _ := e.Object.(*corev1.Pod)
	return p
}

func nodeOf(e *projections.Entry) *corev1.Node {
	if e == nil || e.Deleted() {
		return nil
	}
	n, _ := e.Object.(*corev1.Node)
	return n
}
