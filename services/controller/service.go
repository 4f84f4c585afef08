package controller

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	"github.com/sirupsen/logrus"
)

// Service declares a service shell; Run does the start-up every shell
// shares. Its projection (projections.New(Log, Name)), queue and writer are
// made on first use of Projection, Queue or Writer, so the shell can hand
// them to its own hooks before Run.
//
// On Run: the Background functions start, OnApply and each Part's OnApply
// are hooked to the projection, which starts and catches up; then, holding
// the lease leader.<Name> if Leader (a term at a time), Work runs, or by
// default every key of Keys is queued once and a Loop of Workers reconciles
// them, re-adding Keys every Resync. Parts run beside it, each with its own
// queue and loop over the shared projection and writer.
type Service struct {
	Name     string
	Instance string // source "jetplane/<Name>/<Instance>"
	Log      *natslog.Log

	OnApply   projections.Listener
	Keys      func() []string
	Reconcile Reconcile
	Workers   int           // default 1
	Resync    time.Duration // 0: no resync
	// Work replaces the default loop (the scheduler's batches). It runs
	// until its context ends: the service's, or the leadership term's.
	Work func(ctx context.Context)
	// Background functions run until ctx ends, started before the
	// projection (watchers outside the log).
	Background []func(ctx context.Context)
	// Parts are further loops of this service over its projection and
	// writer, with a queue each (Name, OnApply, Keys, Reconcile, Workers,
	// Resync, Background are read; Log is left empty): each waits until the
	// projection has caught up with the log, then queues its Keys.
	Parts []*Service

	// Leader: only the instance holding the lease leader.<Name> acts (Work
	// or its loop, and every Part); the others keep their projections
	// warm. Its Writer refuses writes outside a valid term (ErrNotLeader).
	// Not for Parts.
	Leader        bool
	LeaseDuration time.Duration    // default 15s
	Now           func() time.Time // the lease's clock; default time.Now

	once   sync.Once
	proj   *projections.Projection
	queue  *Queue
	writer *Writer
	origin events.Origin
	logger *logrus.Entry
	loop   *Loop
}

func (s *Service) init() {
	s.once.Do(func() {
		s.origin = events.ServiceOrigin(s.Name, s.Instance)
		s.logger = logrus.WithFields(logrus.Fields{"service": s.Name, "instance": s.Instance})
		s.queue = NewQueue()
		s.queue.instrument(queueDepth.WithLabelValues(s.Name))
		if s.Log != nil {
			s.proj = projections.New(s.Log, s.Name)
			s.writer = &Writer{Log: s.Log, Projection: s.proj, Origin: s.origin}
		}
	})
}

// Projection is the service's projection of the log.
func (s *Service) Projection() *projections.Projection { s.init(); return s.proj }

// Queue is the service's work queue.
func (s *Service) Queue() *Queue { s.init(); return s.queue }

// Writer appends as the service and waits for its projection.
func (s *Service) Writer() *Writer { s.init(); return s.writer }

// Origin is the service's identity on the events it appends.
func (s *Service) Origin() events.Origin { s.init(); return s.origin }

// Logger logs with the service and instance fields.
func (s *Service) Logger() *logrus.Entry { s.init(); return s.logger }

// Forget drops key's remembered failures and pending retry: its object is
// gone. Called from Reconcile (the loop exists by then).
func (s *Service) Forget(key string) {
	s.init()
	s.queue.Forget(key)
	if s.loop != nil {
		s.loop.Forget(key)
	}
}

// Run starts the service and blocks until ctx ends.
func (s *Service) Run(ctx context.Context) error {
	if s.Log == nil {
		return fmt.Errorf("%s: no log", s.Name)
	}
	s.init()
	for _, p := range s.Parts {
		p.shareFrom(s)
	}
	if s.Work == nil {
		s.loop = s.newLoop()
	}
	for _, svc := range append([]*Service{s}, s.Parts...) {
		for _, bg := range svc.Background {
			go bg(ctx)
		}
		if svc.OnApply != nil {
			s.proj.OnApply(svc.OnApply)
		}
	}
	if err := s.proj.Start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("%s: %w", s.Name, err)
	}
	if !s.Leader {
		s.term(ctx)
		return nil
	}
	l := &lease{
		kv:       s.Log.Leases(),
		key:      LeaderKey(s.Name),
		holder:   s.origin.Source + "#" + uuid.NewString()[:8], // unique even if instance names clash
		duration: Positive(s.LeaseDuration, 15*time.Second),
		now:      s.Now,
		log:      s.logger,
	}
	if l.now == nil {
		l.now = time.Now
	}
	s.writer.Fence = l.fence
	return l.run(ctx, s.term)
}

// term is one term of work (all of it without a leader): the parts and
// the service's own work, until ctx ends and every one has stopped.
func (s *Service) term(ctx context.Context) {
	var wg sync.WaitGroup
	for _, p := range s.Parts {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.runPart(ctx)
		}()
	}
	s.act(ctx)
	wg.Wait()
}

// act is the service's own work in a term.
func (s *Service) act(ctx context.Context) {
	if s.Work != nil {
		s.Work(ctx)
		return
	}
	s.enqueueAll()
	_ = s.loop.Run(ctx)
}

func (s *Service) newLoop() *Loop {
	return &Loop{Name: s.Name, Queue: s.queue, Workers: max(s.Workers, 1), Reconcile: s.Reconcile,
		Resync: s.Resync, Keys: s.Keys}
}

func (s *Service) enqueueAll() {
	if s.Keys == nil {
		return
	}
	for _, k := range s.Keys() {
		s.queue.Add(k)
	}
}

// shareFrom makes p a part of parent: the parent's log, projection and
// writer, a queue of its own.
func (p *Service) shareFrom(parent *Service) {
	p.init() // its queue, which its hooks may hold already
	p.Log, p.Instance = parent.Log, parent.Instance
	p.origin, p.proj, p.writer = parent.origin, parent.proj, parent.writer
	p.logger = parent.logger.WithField("loop", p.Name)
	p.loop = p.newLoop()
}

// runPart waits until the shared projection has caught up with the log,
// then queues every key and runs the part's loop.
func (p *Service) runPart(ctx context.Context) {
	if _, last, err := p.Log.Bounds(ctx); err == nil {
		_ = p.proj.WaitFor(ctx, last)
	}
	p.enqueueAll()
	_ = p.loop.Run(ctx)
}
