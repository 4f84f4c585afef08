package scheduler

import (
	"context"
	"errors"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/jetplane/jetplane/services/scheduler/placement"
	"github.com/sirupsen/logrus"
)

// Name is the service name used in sources, identities and logs.
const Name = "scheduler"

// ChangeUnschedulable is the pod change recorded when no node fits.
const ChangeUnschedulable = "unschedulable"

var podsResource = events.MustLookup("pods")

// Config configures one scheduler instance.
type Config struct {
	Log      *natslog.Log
	Instance string           // source "jetplane/scheduler/<instance>"
	Now      func() time.Time // default time.Now
	// LeaseDuration is how long a silent leader keeps the lease (default 15s).
	LeaseDuration time.Duration
	// NoLeaderElection makes this instance schedule whether or not another
	// does (tests and benchmarks of racing schedulers): the bind ledger
	// still keeps two of them from over-committing a node.
	NoLeaderElection bool
	// Resync re-examines every pending pod this often (default 1 minute).
	Resync time.Duration
	// BatchSize is the most pods decided and bound in one atomic append
	// (default 256). Pods waiting together are bound together.
	BatchSize int

	// Retry policies (tests change them; a Base below zero: at once): after
	// a conflict the view has caught up, so soon; after any other failure,
	// give the log a moment. Both wait the same each time (a batch's retry
	// is decided afresh, not counted per pod).
	retryAfterConflict, retryAfterError controller.Backoff
}

func (c *Config) defaults() {
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.LeaseDuration <= 0 {
		c.LeaseDuration = 15 * time.Second
	}
	if c.Resync <= 0 {
		c.Resync = time.Minute
	}
	if c.BatchSize <= 0 {
		c.BatchSize = 256
	}
	if c.retryAfterConflict == (controller.Backoff{}) {
		c.retryAfterConflict = controller.RetryAfterConflict
	}
	if c.retryAfterError == (controller.Backoff{}) {
		c.retryAfterError = controller.Backoff{Base: time.Second}
	}
	// An atomic batch holds at most 1000 messages: a pod and a ledger entry each.
	c.BatchSize = min(c.BatchSize, 400)
}

// scheduler is one running instance.
type scheduler struct {
	cfg    Config
	origin events.Origin
	proj   *projections.Projection
	queue  *controller.Queue
	writer *controller.Writer
	log    *logrus.Entry
	index  *index

	// Owned by the leading goroutine.
	ledger      uint64 // the bind ledger's last sequence, which our view includes
	ledgerKnown bool   // false: read ledger from the log before the next commit
	batch       int    // current batch size: halved on conflict, regrown on success
	trouble     trouble

	// appendHook stands in for Log.AppendAtomic in tests (nil: the log).
	appendHook func(ctx context.Context, evs []*events.Event, expected []uint64) ([]uint64, error)
}

// Run schedules pending pods until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Log == nil {
		return errors.New("scheduler: no log")
	}
	cfg.defaults()
	s := &scheduler{cfg: cfg, index: newIndex()}
	// The scheduler acts alone: one leader deciding serially never
	// over-commits a node (see the bind ledger for two that race).
	svc := &controller.Service{Name: Name, Instance: cfg.Instance, Log: cfg.Log, OnApply: s.onApply, Work: s.lead,
		Leader: !cfg.NoLeaderElection, LeaseDuration: cfg.LeaseDuration, Now: cfg.Now}
	s.origin, s.proj, s.queue, s.writer, s.log = svc.Origin(), svc.Projection(), svc.Queue(), svc.Writer(), svc.Logger()
	return svc.Run(ctx)
}

// lead runs the work loop while this instance holds the lease.
func (s *scheduler) lead(ctx context.Context) {
	// Decide from a view that includes everything the previous leader wrote.
	if _, last, err := s.cfg.Log.Bounds(ctx); err == nil {
		_ = s.proj.WaitFor(ctx, last)
	}
	s.ledgerKnown = false
	s.batch = s.cfg.BatchSize
	s.requeuePending()
	t := time.NewTicker(s.cfg.Resync)
	defer t.Stop()
	go func() {
		for {
			select {
			case <-ctx.Done():
				return
			case <-t.C:
				s.requeuePending()
			}
		}
	}()
	for {
		keys := s.nextKeys(ctx)
		if keys == nil {
			return // leadership ended: the next term re-reads every pending pod
		}
		began := time.Now()
		s.schedule(ctx, keys)
		controller.ObserveReconcile(Name, time.Since(began), nil)
		for _, k := range keys {
			s.queue.Done(k)
		}
	}
}

// nextKeys blocks for one key, then takes those already waiting, up to the
// batch size; nil when ctx ends. The context is checked first: Queue.Get
// hands out a ready key even with an ended context, and failed keys come
// back, so a loop that only stopped on an empty queue could spin on a lost
// lease for ever.
func (s *scheduler) nextKeys(ctx context.Context) []string {
	if ctx.Err() != nil {
		return nil
	}
	key, ok := s.queue.Get(ctx)
	if !ok {
		return nil
	}
	keys := []string{key}
	now, cancel := context.WithCancel(ctx)
	cancel() // Get with an ended context only takes what is ready
	for len(keys) < s.batch {
		k, ok := s.queue.Get(now)
		if !ok {
			break
		}
		keys = append(keys, k)
	}
	return keys
}

// onApply keeps the index and marks keys dirty. A pending pod is queued on
// any change of its own; pods found unschedulable are queued again when the
// picture may have grown: a node appears or changes, or room is freed.
func (s *scheduler) onApply(prev, cur *projections.Entry, _ *events.Event) {
	switch cur.Resource {
	case "nodes":
		s.index.mu.Lock()
		s.index.applyNode(cur.Name, nodeOf(cur))
		s.index.mu.Unlock()
		s.retryUnschedulable()
	case "pods":
		p := podOf(cur)
		s.index.mu.Lock()
		freed := s.index.applyPod(podOf(prev), p)
		if p == nil || !placement.IsPending(p) {
			delete(s.index.unschedulable, cur.Key())
		}
		s.index.mu.Unlock()
		if p != nil && placement.IsPending(p) {
			s.queue.Add(cur.Key())
		}
		if freed {
			s.retryUnschedulable()
		}
	}
}

func (s *scheduler) retryUnschedulable() {
	s.index.mu.Lock()
	keys := make([]string, 0, len(s.index.unschedulable))
	for k := range s.index.unschedulable {
		keys = append(keys, k)
	}
	s.index.mu.Unlock()
	for _, k := range keys {
		s.queue.Add(k)
	}
}

func (s *scheduler) requeuePending() {
	for _, k := range s.pendingKeys() {
		s.queue.Add(k)
	}
}

func (s *scheduler) pendingKeys() []string {
	var keys []string
	for _, e := range s.proj.State().List("pods", "", nil) {
		if p := podOf(e); p != nil && placement.IsPending(p) {
			keys = append(keys, e.Key())
		}
	}
	return keys
}
