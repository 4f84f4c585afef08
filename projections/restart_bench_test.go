package projections_test

import (
	"context"
	"fmt"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// restartEvents is the log size of BenchmarkRestart: JETPLANE_RESTART_EVENTS
// (1000000 for the figure in the notes), else 100,000.
func restartEvents() int {
	if n, err := strconv.Atoi(os.Getenv("JETPLANE_RESTART_EVENTS")); err == nil && n > 0 {
		return n
	}
	return 100000
}

// seedChanges appends n changes to n/20 pods (each pod created, then
// changed 19 times, as status reports do) with async publishes.
func seedChanges(b *testing.B, l *natslog.Log, from, n int) {
	b.Helper()
	pods := events.MustLookup("pods")
	objects := max(restartEvents()/20, 1)
	evs := make([]*events.Event, 0, n)
	for i := from; i < from+n; i++ {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p-%d", i%objects), Namespace: "default",
			Labels: map[string]string{"app": "web", "gen": strconv.Itoa(i / objects)}},
			Spec: corev1.PodSpec{NodeName: fmt.Sprintf("n%d", i%100), Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}
		events.PrepareCreate(p, time.Now())
		change := events.Updated
		if i < objects {
			change = events.Created
		}
		ev, err := events.NewEvent(events.Origin{Source: "bench"}, events.Write{Resource: pods, Change: change, Object: p}, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		evs = append(evs, ev)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if err := l.AppendUnchecked(ctx, evs); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRestart is a service restarting on a long log: the raw
// ordered-consumer replay of the whole stream (the ceiling), a projection
// replaying it all, and one loading a snapshot taken 10,000 events before
// the end and replaying the tail. Each reports seconds to ready.
func BenchmarkRestart(b *testing.B) {
	ctx := context.Background()
	n := restartEvents()
	tail := min(10000, n/2)
	l := eventstest.Log(b)
	seedChanges(b, l, 0, n-tail)
	l.Config.SnapshotEvery = 0
	snap := projections.New(l, "restart")
	sctx, cancel := context.WithCancel(ctx)
	if err := snap.Start(sctx); err != nil {
		b.Fatal(err)
	}
	if _, err := snap.SaveSnapshot(ctx); err != nil {
		b.Fatal(err)
	}
	cancel()
	seedChanges(b, l, n-tail, tail)
	report := func(b *testing.B) {
		b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/restart")
		b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "events/s")
	}
	b.Run(fmt.Sprintf("raw-ordered-consumer-%d", n), func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			eventstest.ReadRaw(b, l, n)
		}
		report(b)
	})
	start := func(b *testing.B, snapshots bool) {
		for i := 0; i < b.N; i++ {
			l.Config.SnapshotEvery = 0
			if snapshots {
				l.Config.SnapshotEvery = uint64(n) * 10 // load, never write
			}
			p := projections.New(l, "restart")
			pctx, cancel := context.WithCancel(ctx)
			if err := p.Start(pctx); err != nil {
				b.Fatal(err)
			}
			if snapshots != (p.LoadedSnapshot() > 0) || p.LastApplied() != uint64(n) {
				b.Fatalf("snapshot %d, at %d of %d", p.LoadedSnapshot(), p.LastApplied(), n)
			}
			cancel()
			<-p.Done()
		}
		report(b)
	}
	b.Run(fmt.Sprintf("full-replay-%d", n), func(b *testing.B) { start(b, false) })
	b.Run(fmt.Sprintf("snapshot-and-tail-%d", n), func(b *testing.B) { start(b, true) })
}
