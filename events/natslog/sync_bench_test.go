package natslog_test

import (
	"context"
	"sync/atomic"
	"testing"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
)

// BenchmarkWriteSync measures what an fsync per write costs (`jetplane nats
// --sync always`, the default of a cluster node) against JetStream's default
// flush every two minutes, on one server, with the same pod writes from 16 writers at once (on 2 cores): the
// ratio of the two events/s figures is the price of durable acknowledgements.
func BenchmarkWriteSync(b *testing.B) {
	for _, c := range []struct {
		name string
		opts natslog.EmbeddedOptions
	}{
		{"interval-2m", natslog.EmbeddedOptions{}},
		{"always", natslog.EmbeddedOptions{SyncAlways: true}},
	} {
		b.Run(c.name, func(b *testing.B) {
			c.opts.Dir = b.TempDir()
			srv, err := natslog.StartEmbedded(c.opts)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(srv.Shutdown)
			l := eventstest.LogOn(b, srv)
			pods := events.MustLookup("pods")
			origin := events.Origin{Source: "bench", Actor: "bench"}
			ctx := context.Background()
			var n atomic.Int64
			b.SetParallelism(8) // writers at once, as the services and clients are
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					if _, err := l.Write(ctx, origin, events.Write{Resource: pods, Change: events.Created, Object: benchPod(int(n.Add(1)))}); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
		})
	}
}
