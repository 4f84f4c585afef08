package controller

import (
	"context"
	"testing"
	"time"
)

func TestQueueDedupesAndRequeuesDirtyWhileProcessing(t *testing.T) {
	t.Parallel()
	q := NewQueue()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	q.Add("a")
	q.Add("b")
	q.Add("a") // duplicate while waiting: collapsed
	if q.Len() != 2 {
		t.Fatalf("len = %d, want 2", q.Len())
	}
	k, _ := q.Get(ctx)
	if k != "a" {
		t.Fatalf("got %q, want a", k)
	}
	q.Add("a") // dirty again while being processed: not handed out twice
	k2, _ := q.Get(ctx)
	if k2 != "b" {
		t.Fatalf("got %q, want b (a is in flight)", k2)
	}
	if q.Len() != 0 {
		t.Fatalf("a queued while in flight")
	}
	q.Done("a")
	k3, _ := q.Get(ctx)
	if k3 != "a" {
		t.Fatalf("got %q, want a again after Done", k3)
	}
	q.Done("b")
	q.Done("a")
	short, c2 := context.WithTimeout(ctx, 20*time.Millisecond)
	defer c2()
	if k, ok := q.Get(short); ok {
		t.Fatalf("empty queue gave %q", k)
	}
}

func TestLoopBacksOffAndSucceeds(t *testing.T) {
	t.Parallel()
	q := NewQueue()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	calls := make(chan int, 10)
	n := 0
	l := &Loop{Name: "test", Queue: q, Reconcile: func(ctx context.Context, key string) (time.Duration, error) {
		n++
		calls <- n
		if n < 3 {
			return 0, context.DeadlineExceeded // any error: retried with back-off
		}
		return 0, nil
	}}
	go l.Run(ctx)
	q.Add("k")
	for want := 1; want <= 3; want++ {
		select {
		case got := <-calls:
			if got != want {
				t.Fatalf("call %d, want %d", got, want)
			}
		case <-ctx.Done():
			t.Fatalf("reconcile not retried: stuck before call %d", want)
		}
	}
}
