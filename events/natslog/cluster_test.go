package natslog_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// follower records the sequences a Follow delivers.
type follower struct {
	mu   sync.Mutex
	seqs []uint64
	err  error
}

func (f *follower) run(ctx context.Context, l *natslog.Log) {
	err := l.Follow(ctx, events.FilterSubject("pods", ""), 0, func(ev *events.Event, _ error) error {
		f.mu.Lock()
		f.seqs = append(f.seqs, ev.Seq)
		f.mu.Unlock()
		return nil
	})
	f.mu.Lock()
	f.err = err
	f.mu.Unlock()
}

// upTo checks the delivered sequences are every acked one up to last, in
// order, none twice.
func (f *follower) upTo(acked map[uint64]bool, last uint64) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	seen := map[uint64]bool{}
	var prev uint64
	for _, s := range f.seqs {
		if s <= prev {
			return fmt.Errorf("sequence %d after %d: a duplicate or out of order", s, prev)
		}
		prev, seen[s] = s, true
	}
	for s := range acked {
		if s <= last && !seen[s] {
			return fmt.Errorf("acknowledged seq %d not delivered (%d delivered, last %d; follow: %v)", s, len(f.seqs), prev, f.err)
		}
	}
	return nil
}

// On a three-node cluster, killing the EVENTS stream's leader in the middle
// of appends loses no acknowledged write; a Follow running through the
// loss, and one opened right after it, deliver every acknowledged event
// once, in order; appends wait out the election and none fails.
func TestClusterSurvivesTheLossOfTheStreamLeader(t *testing.T) {
	t.Parallel()
	cl := eventstest.StartCluster(t, 3)
	writer := cl.Log(t, "writer")
	reader := cl.Log(t, "reader")
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()

	var mu sync.Mutex
	acked := map[uint64]bool{}
	var failed []error
	ackedCount := func() int { mu.Lock(); defer mu.Unlock(); return len(acked) }
	wctx, stopWriting := context.WithCancel(ctx)
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		for i := 0; wctx.Err() == nil; i++ {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%d", i), Namespace: "default"}}
			actx, cancel := context.WithTimeout(wctx, 40*time.Second)
			ev, err := writer.Write(actx, events.ServiceOrigin("test", "writer"),
				events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod})
			cancel()
			if err != nil {
				if wctx.Err() == nil {
					mu.Lock()
					failed = append(failed, err) // not acknowledged: it may or may not be there
					mu.Unlock()
				}
				continue
			}
			mu.Lock()
			acked[ev.Seq] = true
			mu.Unlock()
		}
	}()
	before := &follower{}
	go before.run(ctx, reader)
	eventstest.Eventually(t, 30*time.Second, func() error {
		if n := ackedCount(); n < 100 {
			return fmt.Errorf("%d writes acknowledged", n)
		}
		return nil
	})
	leader, err := natslog.EventsLeader(ctx, writer)
	if err != nil || leader == "" {
		t.Fatalf("EVENTS leader: %q %v", leader, err)
	}
	cl.Kill(leader)
	killedAt := ackedCount()
	// What a watch asks first: where the log ends, answered once a new
	// leader is elected.
	if _, _, err := reader.Bounds(ctx); err != nil {
		t.Errorf("bounds right after the leader's loss: %v", err)
	}
	after := &follower{}
	go after.run(ctx, reader)
	eventstest.Eventually(t, 60*time.Second, func() error {
		if n := ackedCount(); n < killedAt+100 {
			return fmt.Errorf("%d writes acknowledged since %s was killed", n-killedAt, leader)
		}
		return nil
	})
	stopWriting()
	<-wrote
	if len(failed) > 0 {
		t.Errorf("%d appends failed across the leader's loss (they ride out an election), first: %v", len(failed), failed[0])
	}
	var last uint64
	for s := range acked {
		last = max(last, s)
	}
	for name, f := range map[string]*follower{"the follow through the loss": before, "the follow opened after it": after} {
		eventstest.Eventually(t, 60*time.Second, func() error {
			if err := f.upTo(acked, last); err != nil {
				return fmt.Errorf("%s: %w", name, err)
			}
			return nil
		})
	}
	if _, got, err := reader.Bounds(ctx); err != nil || got < last {
		t.Fatalf("the stream ends at %d (%v), before acknowledged %d", got, err, last)
	}
}
