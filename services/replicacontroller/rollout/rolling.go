package rollout

import (
	"sort"
)

// rolling is one step of a RollingUpdate: the new ReplicaSet grows while the
// total stays within replicas+maxSurge, and old ones shrink while the
// available pods stay at or above replicas-maxUnavailable.
func (p *deploymentPlan) rolling() {
	if p.newRS == nil {
		p.createNewRS(p.newRSSize(0))
	} else {
		p.scale(p.newRS, p.newRSSize(p.newRS.replicas()))
	}
	p.scaleDownOld()
}

// newRSSize is the size the new ReplicaSet may have now.
func (p *deploymentPlan) newRSSize(cur int32) int32 {
	if cur >= p.replicas {
		return p.replicas
	}
	room := p.replicas + p.maxSurge - p.totalReplicas()
	if room <= 0 {
		return cur
	}
	return cur + min(room, p.replicas-cur)
}

// totalReplicas is the sum of the desired sizes of every ReplicaSet.
func (p *deploymentPlan) totalReplicas() int32 {
	var n int32
	for _, s := range p.active() {
		n += s.replicas()
	}
	return n
}

func (p *deploymentPlan) active() []*rsState {
	var out []*rsState
	if p.newRS != nil {
		out = append(out, p.newRS)
	}
	for _, s := range p.old {
		if !s.deleted {
			out = append(out, s)
		}
	}
	return out
}

// scaleDownOld shrinks old ReplicaSets, oldest first: first their pods that
// are not available (they serve nobody), then available ones as long as
// enough stay available.
func (p *deploymentPlan) scaleDownOld() {
	var oldTotal int32
	for _, s := range p.old {
		oldTotal += s.replicas()
	}
	if oldTotal == 0 {
		return
	}
	minAvailable := p.replicas - p.maxUnavail
	var newUnavailable int32
	if p.newRS != nil {
		newUnavailable = max(0, p.newRS.replicas()-p.newRS.rs.Status.AvailableReplicas)
	}
	budget := p.totalReplicas() - minAvailable - newUnavailable
	if budget <= 0 {
		return
	}
	// Unhealthy pods of old ReplicaSets first.
	for _, s := range p.old {
		if budget <= 0 {
			break
		}
		unhealthy := s.replicas() - s.rs.Status.AvailableReplicas
		if s.replicas() == 0 || unhealthy <= 0 {
			continue
		}
		n := min(budget, unhealthy)
		p.scale(s, s.replicas()-n)
		budget -= n
	}
	// Then available pods, keeping minAvailable of them.
	var available int32
	for _, s := range p.active() {
		available += min(s.rs.Status.AvailableReplicas, s.replicas())
	}
	down := available - minAvailable
	for _, s := range p.old {
		if down <= 0 {
			break
		}
		if s.replicas() == 0 {
			continue
		}
		n := min(down, s.replicas())
		p.scale(s, s.replicas()-n)
		down -= n
	}
}

// recreate kills every old pod before the new ReplicaSet gets any.
func (p *deploymentPlan) recreate() {
	scaled := false
	for _, s := range p.old {
		if s.replicas() > 0 {
			p.scale(s, 0)
			scaled = true
		}
	}
	if scaled {
		return
	}
	for _, s := range p.old {
		if s.rs.Status.Replicas > 0 {
			return // old pods still running: wait for them
		}
	}
	if p.newRS == nil {
		p.createNewRS(p.replicas)
		return
	}
	p.scale(p.newRS, p.replicas)
}

// cleanupHistory deletes the oldest old ReplicaSets beyond
// revisionHistoryLimit (default 10), only those fully scaled down.
func (p *deploymentPlan) cleanupHistory() {
	limit := int32(10)
	if p.d.Spec.RevisionHistoryLimit != nil {
		limit = *p.d.Spec.RevisionHistoryLimit
	}
	var cleanable []*rsState
	for _, s := range p.old {
		if s.orig != nil && s.rs.DeletionTimestamp == nil {
			cleanable = append(cleanable, s)
		}
	}
	diff := len(cleanable) - int(max(limit, 0))
	if diff <= 0 {
		return
	}
	sort.SliceStable(cleanable, func(i, j int) bool {
		ri, rj := Revision(cleanable[i].rs), Revision(cleanable[j].rs)
		if ri != rj {
			return ri < rj
		}
		return olderRS(cleanable[i].rs, cleanable[j].rs)
	})
	for _, s := range cleanable[:diff] {
		rs := s.rs
		if rs.Status.Replicas != 0 || s.replicas() != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		s.deleted = true
	}
}
