package rollout

import "sort"

// cleanupIfComplete prunes the history once the last rollout has finished
// (as the status read says), never in the middle of one.
func (p *deploymentPlan) cleanupIfComplete() {
	if complete(p.replicas, p.d, &p.d.Status) {
		p.cleanupHistory()
	}
}

// cleanupHistory deletes the oldest old ReplicaSets (by revision) beyond
// revisionHistoryLimit (default 10), only those fully scaled down with no
// pod left and whose latest spec their status has observed. Their
// templates stay in the log, where undo can still find them.
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
		rs := s.orig
		if rs.Status.Replicas != 0 || s.replicas() != 0 || rs.Generation > rs.Status.ObservedGeneration {
			continue
		}
		s.deleted = true
	}
}
