package rollout

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
