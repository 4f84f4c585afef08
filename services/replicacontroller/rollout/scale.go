package rollout

import (
	"math"
	"sort"
	"strconv"

	appsv1 "k8s.io/api/apps/v1"
)

// annotationInt32 reads an int32 annotation; false when absent or garbled.
func annotationInt32(rs *appsv1.ReplicaSet, key string) (int32, bool) {
	v, ok := rs.Annotations[key]
	if !ok {
		return 0, false
	}
	n, err := strconv.ParseInt(v, 10, 32)
	if err != nil {
		return 0, false
	}
	return int32(n), true
}

// withReplicas are the ReplicaSets (new first, then old oldest first) that
// want pods.
func (p *deploymentPlan) withReplicas() []*rsState {
	var out []*rsState
	for _, s := range p.active() {
		if s.replicas() > 0 {
			out = append(out, s)
		}
	}
	return out
}

// scalingEvent: a ReplicaSet that wants pods was sized for another replica
// count than the Deployment's (its desired-replicas annotation), so the
// Deployment itself was scaled.
func (p *deploymentPlan) scalingEvent() bool {
	for _, s := range p.withReplicas() {
		if n, ok := annotationInt32(s.rs, DesiredReplicasAnnotation); ok && n != p.replicas {
			return true
		}
	}
	return false
}

// activeOrLatest is the one ReplicaSet that wants pods, or when none does,
// the newest one; nil when several want pods.
func (p *deploymentPlan) activeOrLatest() *rsState {
	switch act := p.withReplicas(); len(act) {
	case 1:
		return act[0]
	case 0:
		if p.newRS != nil {
			return p.newRS
		}
		for i := len(p.old) - 1; i >= 0; i-- {
			if !p.old[i].deleted {
				return p.old[i]
			}
		}
	}
	return nil
}

// saturated: the new ReplicaSet has every replica, sized for this count,
// and all of them available.
func (p *deploymentPlan) saturated() bool {
	if p.newRS == nil {
		return false
	}
	desired, ok := annotationInt32(p.newRS.rs, DesiredReplicasAnnotation)
	return ok && desired == p.replicas && p.newRS.replicas() == p.replicas &&
		p.newRS.rs.Status.AvailableReplicas == p.replicas
}

// scaleProportionally resizes the ReplicaSets to the Deployment's replica
// count without a rollout step, as Kubernetes' proportional scaling does:
// one ReplicaSet alone takes the whole count; in a RollingUpdate under way
// each ReplicaSet grows or shrinks in proportion to its size, so a
// rollout's balance of old and new pods survives a scale.
func (p *deploymentPlan) scaleProportionally() {
	if s := p.activeOrLatest(); s != nil {
		if s.replicas() != p.replicas {
			p.resize(s, p.replicas)
		}
		return
	}
	if p.saturated() {
		for _, s := range p.old {
			if s.replicas() > 0 {
				p.resize(s, 0)
			}
		}
		return
	}
	if p.d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		return
	}
	sets := p.withReplicas()
	allowed := int32(0)
	if p.replicas > 0 {
		allowed = p.replicas + p.maxSurge
	}
	toAdd := allowed - p.totalReplicas()
	// Larger ReplicaSets first; on a tie, newer ones grow first and older
	// ones shrink first.
	sort.SliceStable(sets, func(i, j int) bool {
		a, b := sets[i], sets[j]
		if a.replicas() != b.replicas() {
			return a.replicas() > b.replicas()
		}
		if toAdd > 0 {
			return olderRS(b.rs, a.rs)
		}
		return olderRS(a.rs, b.rs)
	})
	sizes := make([]int32, len(sets))
	var added int32
	for i, s := range sets {
		sizes[i] = s.replicas()
		if toAdd != 0 {
			share := p.proportion(s, toAdd, added)
			sizes[i] += share
			added += share
		}
	}
	// What rounding left over goes to the largest.
	if len(sets) > 0 && toAdd != 0 {
		sizes[0] = max(0, sizes[0]+toAdd-added)
	}
	for i, s := range sets {
		p.resize(s, sizes[i])
	}
}

// proportion is a ReplicaSet's share of toAdd replicas (negative: to
// remove), never beyond what is left of it once added are given out.
func (p *deploymentPlan) proportion(s *rsState, toAdd, added int32) int32 {
	if s.replicas() == 0 || toAdd == added {
		return 0
	}
	share := p.fraction(s)
	left := toAdd - added
	if toAdd > 0 {
		return min(share, left)
	}
	return max(share, left)
}

// fraction is how much a ReplicaSet grows when its size scales from the
// Deployment's maximum it was sized for (max-replicas) to today's.
func (p *deploymentPlan) fraction(s *rsState) int32 {
	if p.replicas == 0 {
		return -s.replicas()
	}
	maxNow := p.replicas + p.maxSurge
	before, ok := annotationInt32(s.rs, MaxReplicasAnnotation)
	if !ok || before == 0 {
		// Edited or unmanaged: the Deployment's present size stands in.
		before = p.d.Status.Replicas
		if before == 0 {
			return 0
		}
	}
	scaled := float64(s.replicas()) * float64(maxNow) / float64(before)
	return int32(math.Floor(scaled+0.5)) - s.replicas()
}
