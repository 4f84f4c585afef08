package placement

import (
	corev1 "k8s.io/api/core/v1"
)

// MaxNodeScore is the top of every score, as in kube-scheduler.
const MaxNodeScore = 100

// Weights of the scores, those of kube-scheduler's default profile for the
// plugins they stand for (NodeResourcesFit, PodTopologySpread,
// TaintToleration, NodeAffinity).
const (
	WeightLeastAllocated = 1
	WeightSpread         = 2
	WeightTaints         = 3
	WeightNodeAffinity   = 2
)

// candidate is a node that passed the filters, with its raw scores.
type candidate struct {
	info      *NodeInfo
	allocated int64 // least-allocated score, already 0..MaxNodeScore
	siblings  int   // pods of the pod's controller already there
	taints    int   // PreferNoSchedule taints the pod does not tolerate
	affinity  int64 // sum of the weights of matching preferred terms
}

func rate(f *podFacts, n *NodeInfo) candidate {
	c := candidate{info: n, allocated: leastAllocated(f.scoreReq, n)}
	if f.owner != 0 {
		c.siblings = n.podsOf(f.owner)
	}
	for i := range n.Node.Spec.Taints {
		t := &n.Node.Spec.Taints[i]
		if t.Effect == corev1.TaintEffectPreferNoSchedule && !toleratedPreferNoSchedule(f.pod.Spec.Tolerations, t) {
			c.taints++
		}
	}
	if f.preferred != nil {
		c.affinity = f.preferred.Score(n.Node)
	}
	return c
}

// toleratedPreferNoSchedule counts, as kube-scheduler does, only the
// tolerations that name PreferNoSchedule or no effect at all.
func toleratedPreferNoSchedule(tols []corev1.Toleration, t *corev1.Taint) bool {
	for i := range tols {
		if tols[i].Effect != "" && tols[i].Effect != corev1.TaintEffectPreferNoSchedule {
			continue
		}
		if tolerated(tols[i:i+1], t) {
			return true
		}
	}
	return false
}

// leastAllocated favours the node with the most room left after placing the
// pod, averaged over cpu and memory (kube-scheduler's LeastAllocated). A node
// that offers neither is rated by its free pod slots instead.
func leastAllocated(req Requests, n *NodeInfo) int64 {
	alloc := n.allocatable
	var sum, count int64
	if alloc.MilliCPU > 0 {
		sum += leastRequested(n.ScoreRequested.MilliCPU+req.MilliCPU, alloc.MilliCPU)
		count++
	}
	if alloc.Memory > 0 {
		sum += leastRequested(n.ScoreRequested.Memory+req.Memory, alloc.Memory)
		count++
	}
	if count == 0 {
		return leastRequested(n.Pods+1, alloc.Pods)
	}
	return sum / count
}

func leastRequested(requested, capacity int64) int64 {
	if capacity <= 0 || requested > capacity {
		return 0
	}
	return (capacity - requested) * MaxNodeScore / capacity
}

// best normalises the raw scores over the candidates as kube-scheduler's
// plugins do, weighs them, and returns the top node; equal totals go to the
// first name so that decisions are reproducible.
func best(cands []candidate) *NodeInfo {
	var maxSiblings, maxTaints int
	var maxAffinity int64
	for i := range cands {
		maxSiblings = max(maxSiblings, cands[i].siblings)
		maxTaints = max(maxTaints, cands[i].taints)
		maxAffinity = max(maxAffinity, cands[i].affinity)
	}
	var top *NodeInfo
	var topScore int64 = -1
	for i := range cands {
		c := &cands[i]
		score := WeightLeastAllocated*c.allocated +
			WeightSpread*reverseNormalized(int64(c.siblings), int64(maxSiblings)) +
			WeightTaints*reverseNormalized(int64(c.taints), int64(maxTaints))
		if maxAffinity > 0 {
			score += WeightNodeAffinity * c.affinity * MaxNodeScore / maxAffinity
		}
		if score > topScore || (score == topScore && c.info.Node.Name < top.Node.Name) {
			top, topScore = c.info, score
		}
	}
	return top
}

// reverseNormalized maps a count where less is better onto 0..MaxNodeScore:
// the fewest get the most (all get the most when none has any).
func reverseNormalized(v, maxV int64) int64 {
	if maxV == 0 {
		return MaxNodeScore
	}
	return MaxNodeScore - v*MaxNodeScore/maxV
}
