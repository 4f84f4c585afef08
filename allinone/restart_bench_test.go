package allinone_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// seedDataDir writes n events into a data directory's log while nothing
// else runs: changes of n/20 finished pods bound to a node that is gone,
// which no service acts on, so a restart only has to read them.
func seedDataDir(b *testing.B, dir string, n int) {
	b.Helper()
	srv, err := natslog.StartEmbedded(natslog.EmbeddedOptions{Dir: filepath.Join(dir, "nats"), Port: -1, Name: "jetplane-node-1"})
	if err != nil {
		b.Fatal(err)
	}
	defer srv.Shutdown()
	nc, err := srv.Connect("seed", nil)
	if err != nil {
		b.Fatal(err)
	}
	defer nc.Close()
	ctx := context.Background()
	l, err := natslog.Open(ctx, nc, natslog.Config{})
	if err != nil {
		b.Fatal(err)
	}
	pods := events.MustLookup("pods")
	objects := max(n/20, 1)
	evs := make([]*events.Event, 0, n)
	for i := 0; i < n; i++ {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("done-%d", i%objects), Namespace: "bench",
			Labels: map[string]string{"gen": strconv.Itoa(i / objects)}},
			Spec:   corev1.PodSpec{NodeName: "gone-node", Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}},
			Status: corev1.PodStatus{Phase: corev1.PodSucceeded}}
		events.PrepareCreate(p, time.Now())
		ev, err := events.NewEvent(events.Origin{Source: "bench", Actor: "bench"}, events.Write{Resource: pods, Change: events.Updated, Object: p}, time.Now())
		if err != nil {
			b.Fatal(err)
		}
		evs = append(evs, ev)
	}
	if err := l.AppendUnchecked(context.Background(), evs); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkRestartAllInOne times `jetplane up` coming back on a data
// directory holding JETPLANE_RESTART_EVENTS events (default 100,000): every
// service replays the whole log, then again once they have snapshots.
func BenchmarkRestartAllInOne(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("JETPLANE_RESTART_EVENTS")); err == nil && v > 0 {
		n = v
	}
	dir := b.TempDir()
	seedDataDir(b, dir, n)
	var rawRate float64
	start := func(snapshotEvery uint64) time.Duration {
		began := time.Now()
		c, err := allinone.Start(context.Background(), allinone.Options{DataDir: dir, GatewayAddr: "127.0.0.1:0", NATSPort: -1,
			ImagesDir: imagesDir(b), Runtime: "process", NodeName: "node-1", Events: natslog.Config{SnapshotEvery: snapshotEvery, SnapshotInterval: time.Hour}})
		if err != nil {
			b.Fatal(err)
		}
		took := time.Since(began)
		if rawRate == 0 {
			rawRate = rawReplayRate(b, c.Log)
		}
		if err := c.Stop(); err != nil {
			b.Fatal(err)
		}
		return took
	}
	for i := 0; i < b.N; i++ {
		// The first start after seeding also registers the node and lets
		// JetStream recover the seeded stream: not a restart, not counted.
		first := start(1 << 62)
		full := start(1 << 62) // replays all; snapshots never due
		start(10000)           // replays all and leaves snapshots
		fromSnapshot := start(10000)
		b.ReportMetric(first.Seconds(), "s-first-start")
		b.ReportMetric(full.Seconds(), "s-full-replay")
		b.ReportMetric(fromSnapshot.Seconds(), "s-from-snapshot")
		b.ReportMetric(rawRate, "raw-replay-events/s")
		b.ReportMetric(float64(n)/rawRate, "s-raw-replay")
	}
}

// rawReplayRate reads the whole event stream through a bare ordered
// consumer on the same server: the ceiling of any replay.
func rawReplayRate(b *testing.B, l *natslog.Log) float64 {
	_, last, err := l.Bounds(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	eventstest.ReadRaw(b, l, int(last))
	return float64(last) / time.Since(began).Seconds()
}
