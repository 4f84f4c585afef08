package natslog_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// TestAppendAtomic: a batch lands whole, with consecutive sequences, or not
// at all when any one expectation fails.
func TestAppendAtomic(t *testing.T) {
	t.Parallel()
	l := eventstest.Log(t)
	ctx := context.Background()
	pods := events.MustLookup("pods")
	newEvent := func(name string) *events.Event {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
		ev, err := events.NewEvent(origin, events.Write{Resource: pods, Change: events.Created, Object: p}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return ev
	}
	first, err := l.Write(ctx, origin, events.Write{Resource: pods, Change: events.Created,
		Object: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"}}})
	if err != nil {
		t.Fatal(err)
	}

	seqs, err := l.AppendAtomic(ctx, []*events.Event{newEvent("a"), newEvent("b"), newEvent("c")}, []uint64{first.Seq, 0, 0})
	if err != nil {
		t.Fatal(err)
	}
	if len(seqs) != 3 || seqs[0] != first.Seq+1 || seqs[1] != seqs[0]+1 || seqs[2] != seqs[1]+1 {
		t.Fatalf("sequences %v after %d, want consecutive", seqs, first.Seq)
	}

	// "d" would be new, but "b" is expected absent and exists: nothing lands.
	_, err = l.AppendAtomic(ctx, []*events.Event{newEvent("d"), newEvent("b")}, []uint64{0, 0})
	if !errors.Is(err, events.ErrConflict) {
		t.Fatalf("stale batch: %v, want conflict", err)
	}
	if ev, err := l.LastFor(ctx, "pods", "default", "d"); err != nil || ev != nil {
		t.Fatalf("part of a failed batch was stored: %v %v", ev, err)
	}
	_, last, err := l.Bounds(ctx)
	if err != nil || last != seqs[2] {
		t.Fatalf("stream at %d (%v), want %d", last, err, seqs[2])
	}
}

// A change larger than WriteAtomic's batches still lands whole through
// AppendAtomic (the scheduler binds up to 400 pods and a ledger entry at
// once); only the server's own limit refuses, before anything is sent.
func TestAppendAtomicUpToTheServerLimit(t *testing.T) {
	t.Parallel()
	l := eventstest.Log(t)
	ctx := context.Background()
	pods := events.MustLookup("pods")
	batch := func(n int, prefix string) ([]*events.Event, []uint64) {
		evs := make([]*events.Event, n)
		for i := range evs {
			p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s-%d", prefix, i), Namespace: "default"}}
			ev, err := events.NewEvent(origin, events.Write{Resource: pods, Change: events.Created, Object: p}, time.Now())
			if err != nil {
				t.Fatal(err)
			}
			evs[i] = ev
		}
		return evs, make([]uint64, n)
	}
	evs, expected := batch(natslog.MaxAtomicBatch+101, "big")
	seqs, err := l.AppendAtomic(ctx, evs, expected)
	if err != nil || len(seqs) != len(evs) {
		t.Fatalf("batch of %d: %d sequences, %v", len(evs), len(seqs), err)
	}
	evs, expected = batch(natslog.ServerAtomicLimit+1, "too-big")
	if _, err := l.AppendAtomic(ctx, evs, expected); err == nil {
		t.Fatalf("a batch over the server's limit was taken")
	}
	if ev, err := l.LastFor(ctx, "pods", "default", "too-big-0"); err != nil || ev != nil {
		t.Fatalf("part of a refused batch was stored: %v %v", ev, err)
	}
}
