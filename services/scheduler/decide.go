package scheduler

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/scheduler/placement"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
)

// mark is a pod found unschedulable, with the reason to record.
type mark struct {
	entry  *projections.Entry
	pod    *corev1.Pod
	reason string
}

// schedule decides a batch of pending pods in turn, each seeing the ones
// placed before it, then appends the binds atomically and the unschedulable
// marks one by one. What failed is queued to be decided again.
func (s *scheduler) schedule(ctx context.Context, keys []string) {
	binds, marks, view := s.decide(keys)
	retry, delay := s.bind(ctx, binds, view)
	if len(retry) == 0 {
		retry, delay = s.mark(ctx, marks)
	} else {
		// The marks were decided next to binds that did not land.
		for _, m := range marks {
			retry = append(retry, m.entry.Key())
		}
	}
	for _, k := range retry {
		s.queue.AddAfter(k, delay)
	}
}

// bind commits binds and waits to see them; on failure it returns their
// keys, to be decided again from a newer view, and when.
func (s *scheduler) bind(ctx context.Context, binds []bind, view uint64) (retry []string, delay time.Duration) {
	if len(binds) == 0 {
		return nil, s.cfg.retryAfterConflict.Next(0)
	}
	last, err := s.commit(ctx, binds, view)
	if err == nil {
		err = s.proj.WaitFor(ctx, last)
	}
	if err != nil {
		return s.bindFailed(ctx, binds, err)
	}
	s.batch = min(s.batch*2, s.cfg.BatchSize)
	s.recovered(len(binds))
	for _, b := range binds {
		s.log.WithFields(logrus.Fields{"key": projections.Key(b.pod.Namespace, b.pod.Name), "seq": b.entry.Seq,
			"node": b.pod.Spec.NodeName}).Debug("bound pod")
	}
	return nil, s.cfg.retryAfterConflict.Next(0)
}

// mark writes the unschedulable marks; it returns the keys that failed,
// and when to try them again.
func (s *scheduler) mark(ctx context.Context, marks []mark) (retry []string, delay time.Duration) {
	delay = s.cfg.retryAfterConflict.Next(0)
	for _, m := range marks {
		err := s.markUnschedulable(ctx, m)
		if err == nil {
			continue
		}
		retry = append(retry, m.entry.Key())
		if !errors.Is(err, events.ErrConflict) && ctx.Err() == nil {
			s.log.WithFields(logrus.Fields{"key": m.entry.Key(), "seq": m.entry.Seq}).WithError(err).Warn("marking unschedulable failed; retrying")
			delay = s.cfg.retryAfterError.Next(0)
		}
	}
	return retry, delay
}

// decide places each pending pod of keys on a copy of the index, so each
// placement sees the earlier ones. It returns the view's sequence: every
// event before it is in the index.
func (s *scheduler) decide(keys []string) ([]bind, []mark, uint64) {
	st := s.proj.State()
	x := s.index
	x.mu.Lock()
	defer x.mu.Unlock()
	// Listeners run in log order, so every event before the projection's
	// position is in the index (the one at it may wait for x.mu). That is
	// what a ledger entry at or below view needs: its binds precede it.
	view := s.proj.LastApplied()
	known := x.known()
	nodes := make([]*placement.NodeInfo, len(known))
	copy(nodes, known)
	position := map[string]int{} // nodes changed by this batch: where their clones are
	now := s.cfg.Now()
	var binds []bind
	var marks []mark
	for _, key := range keys {
		ns, name, _ := strings.Cut(key, "/")
		e := st.Live("pods", ns, name)
		pod := podOf(e)
		if pod == nil || !placement.IsPending(pod) {
			delete(x.unschedulable, key)
			continue
		}
		node, err := placement.Schedule(placement.WithVolumeAffinity(pod, volumeSelectors(st, pod)), nodes)
		if err != nil {
			x.unschedulable[key] = true
			marks = append(marks, mark{entry: e, pod: pod, reason: err.Error()})
			continue
		}
		delete(x.unschedulable, key)
		b := placed(e, pod, node, now)
		i, ok := position[node]
		if !ok {
			for j := range nodes {
				if nodes[j].Node.Name == node {
					i = j
				}
			}
			nodes[i] = nodes[i].Clone()
			position[node] = i
		}
		nodes[i].AddPod(b.pod)
		binds = append(binds, b)
	}
	return binds, marks, view
}

// bindFailed handles a batch that did not land: its pods are tried again,
// from a view that has caught up with the log, in smaller batches.
func (s *scheduler) bindFailed(ctx context.Context, binds []bind, err error) ([]string, time.Duration) {
	delay := s.cfg.retryAfterConflict.Next(0)
	var behind *errViewBehind
	switch {
	case ctx.Err() != nil:
		// Leadership (or the service) ended: the next term re-reads them.
	case errors.As(err, &behind):
		s.failing("view behind the bind ledger", err)
		_ = s.proj.WaitFor(ctx, behind.seq)
	case errors.Is(err, events.ErrConflict):
		s.failing("conflict", err)
		s.batch = max(s.batch/2, 1)
		if _, last, berr := s.cfg.Log.Bounds(ctx); berr == nil {
			_ = s.proj.WaitFor(ctx, last)
		}
		s.log.WithError(err).Debug("bind conflict; deciding again")
	default:
		s.failing("error", err)
		s.log.WithError(err).Warn("bind failed; retrying")
		delay = s.cfg.retryAfterError.Next(0)
	}
	keys := make([]string, len(binds))
	for i, b := range binds {
		keys[i] = b.entry.Key()
	}
	return keys, delay
}

// markUnschedulable records why no node fits, only when the reason changed.
func (s *scheduler) markUnschedulable(ctx context.Context, m mark) error {
	marked, changed := placement.MarkUnschedulable(m.pod, m.reason, s.cfg.Now())
	if !changed {
		return nil
	}
	s.log.WithFields(logrus.Fields{"key": m.entry.Key(), "seq": m.entry.Seq, "reason": m.reason}).Info("pod unschedulable")
	cause := m.entry.Cause()
	return s.writer.Apply(ctx, events.Write{Resource: podsResource, Change: ChangeUnschedulable,
		Object: marked, Expected: m.entry.Seq, Cause: cause})
}

// trouble counts the binds that failed in a row the same way, so that a
// scheduler stuck failing (conflicts are only logged at Debug) says so.
type trouble struct {
	kind   string
	count  int
	since  time.Time
	warned time.Time
}

// Failing the same way this often in a row is worth a warning, repeated at
// most every troubleWarnEvery while it goes on.
const (
	troubleWarnAfter = 10
	troubleWarnEvery = 30 * time.Second
)

// failing records a failed bind of this kind.
func (s *scheduler) failing(kind string, err error) {
	now := time.Now()
	if s.trouble.kind != kind {
		s.trouble = trouble{kind: kind, since: now}
	}
	s.trouble.count++
	if s.trouble.count < troubleWarnAfter || now.Sub(s.trouble.warned) < troubleWarnEvery {
		return
	}
	s.trouble.warned = now
	s.log.WithError(err).WithFields(logrus.Fields{"failure": kind, "failures": s.trouble.count,
		"for": now.Sub(s.trouble.since).Round(time.Millisecond), "batch": s.batch, "ledger": s.ledger,
		"ledgerKnown": s.ledgerKnown, "view": s.proj.LastApplied(), "queued": s.queue.Len()}).
		Warn("binds keep failing the same way")
}

// recovered records a bind that landed.
func (s *scheduler) recovered(pods int) {
	if !s.trouble.warned.IsZero() {
		s.log.WithFields(logrus.Fields{"failure": s.trouble.kind, "failures": s.trouble.count, "pods": pods}).
			Info("binding again")
	}
	s.trouble = trouble{}
}
