package nodeagent

import (
	"maps"
	"sync"
	"time"

	"github.com/jetplane/jetplane/services/nodeagent/podsync"
)

// idlePods remembers, per pod key, the input of the pod's last decision when
// that decision was to do nothing at all (podsync.Decision.Idle). An idle
// decision does not depend on the clock, so the same input later decides
// the same: the once-a-second resync of a pod that runs undisturbed skips
// podsync (building and comparing its whole status), which is most of
// what a node of many pods, or a fleet of many nodes, spends.
type idlePods struct {
	mu     sync.Mutex
	inputs map[string]podsync.Input // Now unset
}

// same tells whether in (the clock aside) is the input last noted idle.
func (q *idlePods) same(key string, in podsync.Input) bool {
	q.mu.Lock()
	last, ok := q.inputs[key]
	q.mu.Unlock()
	return ok && sameInput(last, in)
}

// note keeps in when d is idle, else forgets the key.
func (q *idlePods) note(key string, in podsync.Input, d podsync.Decision) {
	if !d.Idle() || in.Pod.DeletionTimestamp != nil {
		q.forget(key)
		return
	}
	in.Now = time.Time{}
	q.mu.Lock()
	q.inputs[key] = in
	q.mu.Unlock()
}

func (q *idlePods) forget(key string) {
	q.mu.Lock()
	delete(q.inputs, key)
	q.mu.Unlock()
}

// sameInput compares everything but Now. The pod is the projection's
// object of one event (a new event, a new object); the runtime lists a
// pod's containers in any order.
func sameInput(a, b podsync.Input) bool {
	if a.Pod != b.Pod || a.RuntimeName != b.RuntimeName || a.HostIP != b.HostIP || a.PodIP != b.PodIP ||
		len(a.Containers) != len(b.Containers) || !maps.Equal(a.Failures, b.Failures) ||
		!maps.Equal(a.Probes, b.Probes) || !maps.Equal(a.Backoffs, b.Backoffs) {
		return false
	}
	for _, c := range a.Containers {
		found := false
		for _, o := range b.Containers {
			if o.ID == c.ID {
				found = sameContainer(c, o)
				break
			}
		}
		if !found {
			return false
		}
	}
	return true
}

// sameContainer compares two views of a container attempt, its times as
// instants.
func sameContainer(a, b podsync.Container) bool {
	if !a.StartedAt.Equal(b.StartedAt) || !a.FinishedAt.Equal(b.FinishedAt) {
		return false
	}
	a.StartedAt, a.FinishedAt, b.StartedAt, b.FinishedAt = time.Time{}, time.Time{}, time.Time{}, time.Time{}
	return a == b
}
