package controller

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
)

func TestDelaysOrder(t *testing.T) {
	t.Parallel()
	t0 := time.Unix(1000, 0)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	type add struct {
		key string
		at  int
	}
	for _, tc := range []struct {
		name    string
		adds    []add
		remove  []string
		now     int
		due     []string
		left    int
		nextAt  int
		earlier []bool // add reported a new earliest time
	}{
		{name: "earliest first", adds: []add{{"c", 3}, {"a", 1}, {"b", 2}}, now: 5,
			due: []string{"a", "b", "c"}, earlier: []bool{true, true, false}},
		{name: "only what is due", adds: []add{{"a", 1}, {"b", 4}, {"c", 2}}, now: 2,
			due: []string{"a", "c"}, left: 1, nextAt: 4, earlier: []bool{true, false, false}},
		{name: "an earlier time of a waiting key wins", adds: []add{{"a", 5}, {"b", 3}, {"a", 1}}, now: 2,
			due: []string{"a"}, left: 1, nextAt: 3, earlier: []bool{true, true, true}},
		{name: "a later time of a waiting key is ignored", adds: []add{{"a", 1}, {"a", 9}}, now: 1,
			due: []string{"a"}, earlier: []bool{true, false}},
		{name: "removed keys never come due", adds: []add{{"a", 1}, {"b", 2}}, remove: []string{"a", "zz"}, now: 3,
			due: []string{"b"}, earlier: []bool{true, false}},
		{name: "nothing due yet", adds: []add{{"a", 7}}, now: 6, left: 1, nextAt: 7, earlier: []bool{true}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var d delays
			for i, a := range tc.adds {
				if got := d.add(a.key, at(a.at)); got != tc.earlier[i] {
					t.Fatalf("add %d (%s@%d) earliest changed %v, want %v", i, a.key, a.at, got, tc.earlier[i])
				}
			}
			for _, k := range tc.remove {
				d.remove(k)
			}
			if got := d.due(at(tc.now)); !slices.Equal(got, tc.due) {
				t.Fatalf("due = %v, want %v", got, tc.due)
			}
			if len(d.heap) != tc.left || len(d.byKey) != tc.left {
				t.Fatalf("%d left (%d indexed), want %d", len(d.heap), len(d.byKey), tc.left)
			}
			next, ok := d.next()
			if ok != (tc.left > 0) || (ok && !next.Equal(at(tc.nextAt))) {
				t.Fatalf("next = %v %v, want %v", next, ok, at(tc.nextAt))
			}
		})
	}
}

func TestQueueAddAfterEarlierWins(t *testing.T) {
	t.Parallel()
	q := NewQueue()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	q.AddAfter("late", time.Hour)
	q.AddAfter("k", time.Hour)
	q.AddAfter("k", 10*time.Millisecond) // earlier: replaces the hour
	q.AddAfter("k", time.Hour)           // later: ignored
	if k, ok := q.Get(ctx); !ok || k != "k" {
		t.Fatalf("got %q %v, want k", k, ok)
	}
	q.Done("k")
	if q.Delayed() != 1 {
		t.Fatalf("%d keys delayed, want only late", q.Delayed())
	}
	q.Forget("late")
	if q.Delayed() != 0 {
		t.Fatalf("%d keys delayed after Forget", q.Delayed())
	}
}

func TestLoopForgetsFailuresOnSuccess(t *testing.T) {
	t.Parallel()
	q := NewQueue()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	fail := map[string]int{"a": 2, "b": 1}
	done := make(chan string, 10)
	l := &Loop{Name: "test-forget", Queue: q, Workers: 1, Reconcile: func(ctx context.Context, key string) (time.Duration, error) {
		if fail[key] > 0 {
			fail[key]--
			return 0, fmt.Errorf("%s: %w", key, context.DeadlineExceeded)
		}
		done <- key
		return 0, nil
	}}
	go l.Run(ctx)
	q.Add("a")
	q.Add("b")
	eventstest.Eventually(t, 5*time.Second, func() error {
		if len(done) < 2 {
			return fmt.Errorf("%d keys reconciled", len(done))
		}
		if n := l.tracked(); n != 0 {
			return fmt.Errorf("failures of %d keys remembered after success", n)
		}
		return nil
	})
}
