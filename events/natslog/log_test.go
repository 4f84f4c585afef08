package natslog_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var origin = events.Origin{Source: "jetplane/test", Actor: "tester"}

func TestAppendCAS(t *testing.T) {
	t.Parallel()
	l := eventstest.Log(t)
	ctx := context.Background()
	pods := events.MustLookup("pods")
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a.b", Namespace: "default"}}

	e1, err := l.Write(ctx, origin, events.Write{Resource: pods, Change: events.Created, Object: pod})
	if err != nil {
		t.Fatal(err)
	}
	if pod.ResourceVersion != events.FormatRV(e1.Seq) {
		t.Fatalf("resourceVersion %q, seq %d", pod.ResourceVersion, e1.Seq)
	}
	// A second create must fail: the subject is no longer empty.
	_, err = l.Write(ctx, origin, events.Write{Resource: pods, Change: events.Created, Object: pod})
	if !errors.Is(err, events.ErrConflict) {
		t.Fatalf("second create: %v, want conflict", err)
	}
	// An update from a stale version fails, from the right one succeeds.
	if _, err = l.Write(ctx, origin, events.Write{Resource: pods, Change: events.Updated, Object: pod, Expected: e1.Seq + 7}); !errors.Is(err, events.ErrConflict) {
		t.Fatalf("stale update: %v, want conflict", err)
	}
	e2, err := l.Write(ctx, origin, events.Write{Resource: pods, Change: events.Updated, Object: pod, Expected: e1.Seq})
	if err != nil {
		t.Fatal(err)
	}
	got, err := l.Get(ctx, e2.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if got.Type != "dev.jetplane.pod.updated" || got.Name != "a.b" || got.Namespace != "default" || got.Actor != "tester" {
		t.Fatalf("read back %+v", got)
	}
	last, err := l.LastFor(ctx, "pods", "default", "a.b")
	if err != nil || last.Seq != e2.Seq {
		t.Fatalf("LastFor = %+v, %v", last, err)
	}
	// Re-appending the same event id is de-duplicated, not stored twice.
	again := *e2
	if seq, err := l.Append(ctx, &again, e2.Seq); err != nil || seq != e2.Seq {
		t.Fatalf("duplicate append = %d, %v; want %d", seq, err, e2.Seq)
	}
	_, lastSeq, err := l.Bounds(ctx)
	if err != nil || lastSeq != e2.Seq {
		t.Fatalf("bounds last=%d err=%v, want %d", lastSeq, err, e2.Seq)
	}
}

func TestOpenIsIdempotent(t *testing.T) {
	t.Parallel()
	srv := eventstest.Server(t)
	eventstest.LogOn(t, srv)
	eventstest.LogOn(t, srv)
}

func TestOpenWithoutRetentionKeepsTheStreamsPolicy(t *testing.T) {
	t.Parallel()
	srv := eventstest.Server(t)
	nc, err := srv.Connect("retention", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer nc.Close()
	ctx := context.Background()
	if _, err := natslog.Open(ctx, nc, natslog.Config{MaxAge: time.Hour, MaxBytes: 1 << 30}); err != nil {
		t.Fatal(err)
	}
	l, err := natslog.Open(ctx, nc, natslog.Config{}) // a service that says nothing of retention
	if err != nil {
		t.Fatal(err)
	}
	info, err := l.Info(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if info.MaxAge != time.Hour || info.MaxBytes != 1<<30 {
		t.Fatalf("retention after a plain Open: %v, %d bytes", info.MaxAge, info.MaxBytes)
	}
}
