package replicacontroller

import (
	"context"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/sirupsen/logrus"
)

// watch follows the node heartbeat keys of the leases bucket until ctx ends,
// recording each renewal and queueing its node. A node whose lease is
// renewed while it is Unknown gets decided again at once.
func (h *heartbeats) watch(ctx context.Context, kv jetstream.KeyValue, now func() time.Time, queue func(string), log *logrus.Entry) {
	prefix := events.NodeLeasePrefix
	for ctx.Err() == nil {
		w, err := kv.Watch(ctx, prefix+">", jetstream.IgnoreDeletes())
		if err != nil {
			log.WithError(err).Warn("watching node heartbeats; retrying")
			select {
			case <-ctx.Done():
				return
			case <-time.After(time.Second):
			}
			continue
		}
		for entry := range w.Updates() {
			if entry == nil {
				continue // the end of the values stored before the watch
			}
			node := strings.TrimPrefix(entry.Key(), prefix)
			if h.saw(node, entry.Revision(), now()) {
				queue(node)
			}
		}
		_ = w.Stop()
	}
}
