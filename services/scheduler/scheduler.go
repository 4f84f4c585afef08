package scheduler

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/jetplane/jetplane/services/scheduler/placement"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
)

// Name is the service name used in sources, identities and logs.
const Name = "scheduler"

// ChangeUnschedulable is the pod change recorded when no node fits.
const ChangeUnschedulable = "unschedulable"

// leaseKey is the scheduler's leader election key in the leases bucket.
const leaseKey = "leader.scheduler"

var (
	podsResource = events.MustLookup("pods")
)

// Config configures one scheduler instance.
type Config struct {
	Log      *events.Log
	Instance string           // source "jetplane/scheduler/<instance>"
	Workers  int              // default 1; decisions are serialised anyway (see doc.go)
	Now      func() time.Time // default time.Now
	// LeaseDuration is how long a silent leader keeps the lease (default 15s).
	LeaseDuration time.Duration
	// Resync re-examines every pending pod this often (default 1 minute).
	Resync time.Duration
}

func (c *Config) defaults() {
	if c.Workers < 1 {
		c.Workers = 1
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.LeaseDuration <= 0 {
		c.LeaseDuration = 15 * time.Second
	}
	if c.Resync <= 0 {
		c.Resync = time.Minute
	}
}

// scheduler is one running instance.
type scheduler struct {
	cfg    Config
	proj   *projections.Projection
	queue  *controller.Queue
	writer *controller.Writer
	log    *logrus.Entry
	// decide serialises decide-and-write: a second decision must see the
	// first one's bind, or both could take a node's last slot.
	decide sync.Mutex
}

// Run schedules pending pods until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Log == nil {
		return errors.New("scheduler: no log")
	}
	cfg.defaults()
	origin := events.ServiceOrigin(Name, cfg.Instance)
	s := &scheduler{
		cfg:   cfg,
		proj:  projections.New(cfg.Log, Name),
		queue: controller.NewQueue(),
		log:   logrus.WithFields(logrus.Fields{"service": Name, "instance": cfg.Instance}),
	}
	s.writer = &controller.Writer{Log: cfg.Log, Projection: s.proj, Origin: origin}
	s.proj.OnApply(s.onApply)
	if err := s.proj.Start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("scheduler: %w", err)
	}
	l := &lease{
		kv:       cfg.Log.Leases(),
		key:      leaseKey,
		holder:   origin.Source + "#" + uuid.NewString()[:8], // unique even if instance names clash
		duration: cfg.LeaseDuration,
		now:      cfg.Now,
		log:      s.log,
	}
	return l.run(ctx, s.lead)
}

// lead runs the work loop while this instance holds the lease.
func (s *scheduler) lead(ctx context.Context) {
	// Decide from a view that includes everything the previous leader wrote.
	if _, last, err := s.cfg.Log.Bounds(ctx); err == nil {
		_ = s.proj.WaitFor(ctx, last)
	}
	s.requeuePending()
	loop := &controller.Loop{Name: Name, Queue: s.queue, Workers: s.cfg.Workers,
		Reconcile: s.reconcile, Resync: s.cfg.Resync, Keys: s.pendingKeys}
	_ = loop.Run(ctx)
}

// onApply marks keys dirty. A pending pod is queued on any change of its own;
// every pending pod is queued again when the capacity picture grows: a node
// appears or changes, or a bound pod goes away or finishes.
func (s *scheduler) onApply(prev, cur *projections.Entry, _ *events.Event) {
	switch cur.Resource {
	case "nodes":
		s.requeuePending()
	case "pods":
		if p, ok := cur.Object.(*corev1.Pod); ok && placement.IsPending(p) {
			s.queue.Add(cur.Key())
		}
		if holdsCapacity(prev) && !holdsCapacity(cur) {
			s.requeuePending()
		}
	}
}

// holdsCapacity: a live pod bound to a node that has not finished.
func holdsCapacity(e *projections.Entry) bool {
	if e == nil || e.Deleted() {
		return false
	}
	p, ok := e.Object.(*corev1.Pod)
	return ok && p.Spec.NodeName != "" && p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed
}

func (s *scheduler) requeuePending() {
	for _, k := range s.pendingKeys() {
		s.queue.Add(k)
	}
}

func (s *scheduler) pendingKeys() []string {
	var keys []string
	for _, e := range s.proj.State().List("pods", "", nil) {
		if p, ok := e.Object.(*corev1.Pod); ok && placement.IsPending(p) {
			keys = append(keys, e.Key())
		}
	}
	return keys
}

// nodes gathers every node with the pods bound to it.
func (s *scheduler) nodes() []placement.NodeInfo {
	st := s.proj.State()
	entries := st.List("nodes", "", nil)
	out := make([]placement.NodeInfo, 0, len(entries))
	for _, e := range entries {
		n, ok := e.Object.(*corev1.Node)
		if !ok {
			continue
		}
		info := placement.NodeInfo{Node: n}
		for _, pe := range st.PodsOnNode(n.Name) {
			if p, ok := pe.Object.(*corev1.Pod); ok {
				info.Pods = append(info.Pods, p)
			}
		}
		out = append(out, info)
	}
	return out
}

// reconcile places one pending pod. Objects from the projection are shared:
// placement returns copies, never changes them.
func (s *scheduler) reconcile(ctx context.Context, key string) (time.Duration, error) {
	s.decide.Lock()
	defer s.decide.Unlock()
	ns, name, _ := strings.Cut(key, "/")
	e := s.proj.State().Live("pods", ns, name)
	if e == nil {
		return 0, nil
	}
	pod, ok := e.Object.(*corev1.Pod)
	if !ok || !placement.IsPending(pod) {
		return 0, nil
	}
	log := s.log.WithFields(logrus.Fields{"key": key, "seq": e.Seq})
	cause := events.CauseOf(&events.Event{ID: e.EventID, CorrelationID: e.CorrelationID})
	now := s.cfg.Now()

	node, err := placement.Schedule(pod, s.nodes())
	var fit *placement.FitError
	if errors.As(err, &fit) {
		marked, changed := placement.MarkUnschedulable(pod, fit.Error(), now)
		if !changed {
			return 0, nil
		}
		log.WithField("reason", fit.Error()).Info("pod unschedulable")
		return 0, s.apply(ctx, events.Write{Resource: podsResource, Change: ChangeUnschedulable,
			Object: marked, Expected: e.Seq, Cause: cause})
	}
	if err != nil {
		return 0, fmt.Errorf("schedule %s: %w", key, err)
	}
	log.WithField("node", node).Info("binding pod")
	return 0, s.apply(ctx, events.Write{Resource: podsResource, Change: events.Scheduled,
		Object: placement.Bind(pod, node, now), Expected: e.Seq, Cause: cause})
}

func (s *scheduler) apply(ctx context.Context, w events.Write) error {
	if err := s.writer.Apply(ctx, w); err != nil {
		return fmt.Errorf("%s pod %s/%s: %w", w.Change, w.Object.GetNamespace(), w.Object.GetName(), err)
	}
	return nil
}
