package placement

import (
	"github.com/jetplane/jetplane/nodes"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// NodeInfo is one node and the totals of the pods that hold room on it. The
// scheduler's shell keeps one per node and adjusts it as pods come and go
// (AddPod, RemovePod), so a decision never re-sums a node's pods.
type NodeInfo struct {
	Node *corev1.Node // nil while pods are bound to a node not (or no longer) known

	allocatable Capacity
	readyTaint  *corev1.Taint // the taint a node that is not Ready implies

	// Requested is what the pods ask for (filters); ScoreRequested counts
	// missing requests at the scoring defaults (scores).
	Requested      Requests
	ScoreRequested Requests
	Pods           int64
	// Ports are the host ports in use, with how many pods use each.
	Ports map[HostPort]int
	// controllers counts the pods of each controller, by a hash of the
	// owner's UID: scoring looks this up on every node for every pod, and a
	// short slice of integers is far cheaper there than a map of strings.
	// A 64-bit collision could only skew a spreading score, never a fit.
	controllers []ownerCount
}

type ownerCount struct {
	owner uint64 // ownerHash of the controller's UID
	pods  int
}

// ownerHash is FNV-1a of a controller UID ("" → 0, no controller).
func ownerHash(uid types.UID) uint64 {
	if uid == "" {
		return 0
	}
	h := uint64(14695981039346656037)
	for i := 0; i < len(uid); i++ {
		h ^= uint64(uid[i])
		h *= 1099511628211
	}
	return h
}

// PodsOf counts the pods of the controller with this UID on the node.
func (n *NodeInfo) PodsOf(uid types.UID) int { return n.podsOf(ownerHash(uid)) }

func (n *NodeInfo) podsOf(owner uint64) int {
	for _, c := range n.controllers {
		if c.owner == owner {
			return c.pods
		}
	}
	return 0
}

// NewNodeInfo makes the info of node with pods (those that hold room) on it.
func NewNodeInfo(node *corev1.Node, pods ...*corev1.Pod) *NodeInfo {
	n := &NodeInfo{}
	n.SetNode(node)
	for _, p := range pods {
		if !isTerminal(p) {
			n.AddPod(p)
		}
	}
	return n
}

// Name is the node's name, "" when the node is not known.
func (n *NodeInfo) Name() string {
	if n.Node == nil {
		return ""
	}
	return n.Node.Name
}

// SetNode records the node's latest state (nil: the node is gone) and
// derives what the filters read from it.
func (n *NodeInfo) SetNode(node *corev1.Node) {
	n.Node = node
	n.readyTaint = nil
	if node == nil {
		n.allocatable = Capacity{}
		return
	}
	n.allocatable = allocatable(node)
	n.readyTaint = nodes.ConditionTaint(node)
}

// AddPod counts a pod that now holds room here.
func (n *NodeInfo) AddPod(p *corev1.Pod) { n.update(p, 1) }

// RemovePod uncounts a pod AddPod counted (the same object, or an equal one).
func (n *NodeInfo) RemovePod(p *corev1.Pod) { n.update(p, -1) }

func (n *NodeInfo) update(p *corev1.Pod, sign int) {
	req, score := PodRequests(p), podScoreRequests(p)
	if sign > 0 {
		n.Requested.add(req)
		n.ScoreRequested.add(score)
	} else {
		n.Requested.sub(req)
		n.ScoreRequested.sub(score)
	}
	n.Pods += int64(sign)
	for _, hp := range hostPorts(p) {
		if n.Ports == nil {
			n.Ports = map[HostPort]int{}
		}
		n.Ports[hp] += sign
		if n.Ports[hp] <= 0 {
			delete(n.Ports, hp)
		}
	}
	if owner := ownerHash(controllerUID(p)); owner != 0 {
		n.countOwner(owner, sign)
	}
}

func (n *NodeInfo) countOwner(owner uint64, delta int) {
	for i := range n.controllers {
		if n.controllers[i].owner == owner {
			n.controllers[i].pods += delta
			if n.controllers[i].pods <= 0 {
				n.controllers = append(n.controllers[:i], n.controllers[i+1:]...)
				if len(n.controllers) == 0 {
					n.controllers = nil
				}
			}
			return
		}
	}
	if delta > 0 {
		n.controllers = append(n.controllers, ownerCount{owner: owner, pods: delta})
	}
}

// Clone copies the info so it can be changed without touching the original
// (the node object itself is shared: it is never modified).
func (n *NodeInfo) Clone() *NodeInfo {
	c := *n
	c.Ports = make(map[HostPort]int, len(n.Ports))
	for k, v := range n.Ports {
		c.Ports[k] = v
	}
	c.controllers = append([]ownerCount(nil), n.controllers...)
	return &c
}

func controllerUID(p *corev1.Pod) types.UID {
	if ref := metav1.GetControllerOf(p); ref != nil {
		return ref.UID
	}
	return ""
}
