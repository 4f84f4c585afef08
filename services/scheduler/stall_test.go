package scheduler

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/sirupsen/logrus"
	logtest "github.com/sirupsen/logrus/hooks/test"
)

// TestLeadStopsWhenItsContextEndsWhileKeysKeepFailing is the load test's
// stall. There a lease renewal timed out on the client but landed on the
// server, so the next renewal met a newer revision and leadership ended
// (silently), cancelling the lead loop's context. But the lead loop only
// looked at its context when the queue was empty: every pending pod failed
// at once with the ended context and was queued again after a second, and a
// pass over 8,868 keys in batches of 256 (each deciding 256 pods over 1,000
// nodes) took longer than that second, so the queue never emptied. The loop
// spun deciding and failing, logging nothing (failures under an ended
// context are not warned), lease.run waited for it forever, never logged
// "lost leadership" and never campaigned again: nothing bound any more.
//
// The retry delay at once stands for "a pass takes longer than the delay":
// the queue never empties, deterministically.
func TestLeadStopsWhenItsContextEndsWhileKeysKeepFailing(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	st := watch(t, log)
	write(t, log, "nodes", readyNode("node-a", 110, nil))
	const pods = 20
	for i := range pods {
		write(t, log, "pods", pendingPod(fmt.Sprintf("p-%02d", i), nil))
	}
	s := instance(t, log, "a")
	s.cfg.retryAfterError = controller.Backoff{Base: -1}
	_, last, err := log.Bounds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.proj.WaitFor(context.Background(), last); err != nil {
		t.Fatal(err)
	}

	ended, cancel := context.WithCancel(context.Background())
	cancel() // leadership already lost
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.lead(ended)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("lead loop still running 10s after its context ended")
	}

	// The next term binds them all, each once.
	leadUntilBound(t, s, st, pods)
}

// leadUntilBound runs s's lead loop until every pod named p-00… is bound,
// then stops it and checks from the history that each was bound once.
func leadUntilBound(t *testing.T, s *scheduler, st *projections.State, pods int) {
	t.Helper()
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		s.lead(ctx)
	}()
	defer func() { stop(); <-done }()
	eventstest.Eventually(t, 15*time.Second, func() error {
		for i := range pods {
			p, err := podNamed(st, fmt.Sprintf("p-%02d", i))
			if err != nil {
				return err
			}
			if p.Spec.NodeName == "" {
				return fmt.Errorf("%s pending", p.Name)
			}
		}
		return nil
	})
	binds := map[string]int{}
	for _, ev := range history(t, s.cfg.Log) {
		if ev.Resource == "pods" && ev.Change() == events.Scheduled {
			binds[ev.Name]++
		}
	}
	for pod, n := range binds {
		if n != 1 {
			t.Errorf("pod %s bound %d times", pod, n)
		}
	}
}

// TestBindThatTimedOutButLandedConverges: the load test's first warning,
// "bind 256 pods: append atomic batch of 257: context deadline exceeded",
// came from a commit whose answer the client gave up on while the server
// applied it. Its pods are bound and the ledger moved past the sequence the
// scheduler cached. The scheduler must neither lose the other pods nor bind
// any twice, and, not knowing the outcome, must re-read the ledger instead
// of committing against the old sequence into a certain conflict.
func TestBindThatTimedOutButLandedConverges(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	st := watch(t, log)
	write(t, log, "nodes", readyNode("node-a", 110, nil))
	write(t, log, "nodes", readyNode("node-b", 110, nil))
	const pods = 40
	for i := range pods {
		write(t, log, "pods", pendingPod(fmt.Sprintf("p-%02d", i), nil))
	}
	s := instance(t, log, "a")
	s.cfg.retryAfterError = controller.Backoff{Base: 10 * time.Millisecond}
	s.cfg.BatchSize, s.batch = 8, 8
	var mu sync.Mutex
	calls, conflicts := 0, 0
	s.appendHook = func(ctx context.Context, evs []*events.Event, expected []uint64) ([]uint64, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		seqs, err := log.AppendAtomic(ctx, evs, expected)
		if errors.Is(err, events.ErrConflict) {
			conflicts++
		}
		if calls == 1 && err == nil {
			return nil, fmt.Errorf("append atomic batch of %d: %w", len(evs), context.DeadlineExceeded)
		}
		return seqs, err
	}
	leadUntilBound(t, s, st, pods)
	mu.Lock()
	defer mu.Unlock()
	if calls < 2 {
		t.Fatalf("%d commits; the first one should have been taken for lost", calls)
	}
	if conflicts > 0 {
		t.Fatalf("%d commits conflicted after the one that timed out but landed", conflicts)
	}
}

// TestWarnsWhenBindsKeepConflicting: conflicts are logged at Debug, so a
// scheduler stuck in a conflict loop was silent; now a run of failures of
// one kind is warned, and the recovery said.
func TestWarnsWhenBindsKeepConflicting(t *testing.T) {
	t.Parallel()
	hook := logtest.NewGlobal()
	t.Cleanup(func() { logrus.StandardLogger().ReplaceHooks(logrus.LevelHooks{}) })
	log := eventstest.Log(t)
	st := watch(t, log)
	write(t, log, "nodes", readyNode("node-a", 110, nil))
	const pods = 5
	for i := range pods {
		write(t, log, "pods", pendingPod(fmt.Sprintf("p-%02d", i), nil))
	}
	s := instance(t, log, "a")
	s.cfg.retryAfterConflict = controller.Backoff{Base: time.Millisecond}
	var mu sync.Mutex
	refused := 0
	s.appendHook = func(ctx context.Context, evs []*events.Event, expected []uint64) ([]uint64, error) {
		mu.Lock()
		defer mu.Unlock()
		if refused < troubleWarnAfter+2 {
			refused++
			return nil, &events.ConflictError{Subject: "test"}
		}
		return log.AppendAtomic(ctx, evs, expected)
	}
	leadUntilBound(t, s, st, pods)
	var warned, recovered bool
	for _, e := range hook.AllEntries() {
		switch {
		case e.Level == logrus.WarnLevel && e.Message == "binds keep failing the same way":
			warned = true
			if e.Data["failure"] != "conflict" {
				t.Errorf("warned about %v, want conflict", e.Data["failure"])
			}
		case e.Message == "binding again":
			recovered = true
		}
	}
	if !warned || !recovered {
		t.Fatalf("warned %v, recovery logged %v", warned, recovered)
	}
}

// TestKeepsLeadingAfterARenewalThatLandedLate: the load test's second
// warning, "lease: renewal failed; retrying", was a renewal that timed out
// on the client but landed. The next renewal expected the revision before
// it and was refused, and the leader stepped down (silently) though the
// lease still named it. A record that names this instance can only be its
// own write: it renews on from it and keeps leading.
func TestKeepsLeadingAfterARenewalThatLandedLate(t *testing.T) {
	t.Parallel()
	hook := logtest.NewGlobal()
	t.Cleanup(func() { logrus.StandardLogger().ReplaceHooks(logrus.LevelHooks{}) })
	log := eventstest.Log(t)
	st := watch(t, log)
	write(t, log, "nodes", readyNode("node-a", 110, nil))
	start(t, log, "a", 1500*time.Millisecond) // renews every 500ms
	write(t, log, "pods", pendingPod("first", nil))
	boundBy(t, log, "first")

	// The late renewal: the same record, one revision on.
	kv := log.Leases()
	cur, err := kv.Get(context.Background(), controller.LeaderKey(Name))
	if err != nil {
		t.Fatal(err)
	}
	late, err := kv.Put(context.Background(), controller.LeaderKey(Name), cur.Value)
	if err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 10*time.Second, func() error {
		e, err := kv.Get(context.Background(), controller.LeaderKey(Name))
		if err != nil {
			return err
		}
		if e.Revision <= late {
			return fmt.Errorf("lease at revision %d, not renewed since %d", e.Revision, late)
		}
		return nil
	})
	write(t, log, "pods", pendingPod("second", nil))
	boundBy(t, log, "second")
	if _, err := podNamed(st, "second"); err != nil {
		t.Fatal(err)
	}
	for _, e := range hook.AllEntries() {
		if e.Message == "lost leadership" || e.Message == "lease: taken by another instance" {
			t.Fatalf("logged %q (%v): the lease was still ours", e.Message, e.Data)
		}
	}
}
