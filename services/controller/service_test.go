package controller

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// run starts svc until the test ends (or stop), and waits for it to return.
func run(t *testing.T, svc *Service) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			if err := <-done; err != nil {
				t.Errorf("%s/%s: %v", svc.Name, svc.Instance, err)
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

func holder(t *testing.T, log *natslog.Log, service string) string {
	t.Helper()
	e, err := log.Leases().Get(context.Background(), LeaderKey(service))
	if err != nil {
		return ""
	}
	var spec coordinationv1.LeaseSpec
	if err := json.Unmarshal(e.Value, &spec); err != nil || spec.HolderIdentity == nil {
		return ""
	}
	return *spec.HolderIdentity
}

// TestLeaderActsAloneAndHandsOver: of two instances of a leader-elected
// service one works at a time; stopping it releases the lease and the
// standby takes over.
func TestLeaderActsAloneAndHandsOver(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	var active, most atomic.Int32
	working := map[string]*atomic.Bool{"one": {}, "two": {}}
	stops := map[string]func(){}
	for name, flag := range working {
		svc := &Service{Name: "lonely", Instance: name, Log: log, Leader: true, LeaseDuration: 1500 * time.Millisecond,
			Work: func(ctx context.Context) {
				n := active.Add(1)
				for m := most.Load(); n > m && !most.CompareAndSwap(m, n); m = most.Load() {
				}
				flag.Store(true)
				<-ctx.Done()
				flag.Store(false)
				active.Add(-1)
			}}
		stops[name] = run(t, svc)
	}
	leader := ""
	eventstest.Eventually(t, 10*time.Second, func() error {
		for name, w := range working {
			if w.Load() {
				leader = name
				return nil
			}
		}
		return fmt.Errorf("no leader yet")
	})
	if h := holder(t, log, "lonely"); h == "" || h[:len("jetplane/lonely/"+leader)] != "jetplane/lonely/"+leader {
		t.Fatalf("lease held by %q, want jetplane/lonely/%s#…", h, leader)
	}
	stops[leader]()
	other := map[string]string{"one": "two", "two": "one"}[leader]
	eventstest.Eventually(t, 10*time.Second, func() error {
		if !working[other].Load() {
			return fmt.Errorf("standby %s not leading", other)
		}
		return nil
	})
	if m := most.Load(); m != 1 {
		t.Fatalf("%d instances worked at once", m)
	}
}

// TestServiceQueuesKeysAndParts: the runner queues every key once at start
// and what OnApply marks later, for the service and for each part.
func TestServiceQueuesKeysAndParts(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	origin := events.Origin{Source: "jetplane/test/t", Actor: "test"}
	nodes := events.MustLookup("nodes")
	write := func(name string) {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
		events.PrepareCreate(n, time.Now())
		if _, err := log.Write(context.Background(), origin, events.Write{Resource: nodes, Change: events.Created, Object: n}); err != nil {
			t.Fatal(err)
		}
	}
	write("before")
	var mu sync.Mutex
	seen := map[string]bool{}
	reconcile := func(prefix string) Reconcile {
		return func(_ context.Context, key string) (time.Duration, error) {
			mu.Lock()
			seen[prefix+key] = true
			mu.Unlock()
			return 0, nil
		}
	}
	svc := &Service{Name: "svc", Instance: "t", Log: log, Reconcile: reconcile("main:")}
	part := &Service{Name: "svc/part", Reconcile: reconcile("part:")}
	names := func(p *projections.Projection) func() []string {
		return func() []string {
			var out []string
			for _, e := range p.State().List("nodes", "", nil) {
				out = append(out, e.Name)
			}
			return out
		}
	}
	svc.Keys, part.Keys = names(svc.Projection()), names(svc.Projection())
	svc.OnApply = func(_, cur *projections.Entry, _ *events.Event) { svc.Queue().Add(cur.Name) }
	part.OnApply = func(_, cur *projections.Entry, _ *events.Event) { part.Queue().Add(cur.Name) }
	svc.Parts = []*Service{part}
	run(t, svc)
	write("after")
	eventstest.Eventually(t, 10*time.Second, func() error {
		mu.Lock()
		defer mu.Unlock()
		for _, k := range []string{"main:before", "main:after", "part:before", "part:after"} {
			if !seen[k] {
				return fmt.Errorf("%s not reconciled (seen %v)", k, seen)
			}
		}
		return nil
	})
}

// TestLeaderRenewsOnAfterALateRenewal: a renewal that timed out on the
// client but landed moves the revision past the one the leader expects;
// the record still names it, so it renews on from there and its term goes
// on (Work is not restarted).
func TestLeaderRenewsOnAfterALateRenewal(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	var terms atomic.Int32
	run(t, &Service{Name: "renewing", Instance: "a", Log: log, Leader: true, LeaseDuration: 1500 * time.Millisecond,
		Work: func(ctx context.Context) { terms.Add(1); <-ctx.Done() }})
	eventstest.Eventually(t, 10*time.Second, func() error {
		if terms.Load() == 0 {
			return fmt.Errorf("not leading yet")
		}
		return nil
	})
	kv, key := log.Leases(), LeaderKey("renewing")
	cur, err := kv.Get(context.Background(), key)
	if err != nil {
		t.Fatal(err)
	}
	late, err := kv.Put(context.Background(), key, cur.Value) // the same record, one revision on
	if err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 10*time.Second, func() error {
		e, err := kv.Get(context.Background(), key)
		if err != nil {
			return err
		}
		if e.Revision <= late {
			return fmt.Errorf("lease at revision %d, not renewed since %d", e.Revision, late)
		}
		return nil
	})
	if n := terms.Load(); n != 1 {
		t.Fatalf("%d terms: leadership was given up", n)
	}
}
