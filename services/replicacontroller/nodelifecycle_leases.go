package replicacontroller

import (
	"context"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/sirupsen/logrus"
)

// watch follows the node heartbeat keys of the leases bucket until ctx ends,
// recording each renewal and queueing its node. A node whose lease is
// renewed while it is Unknown gets decided again at once. A watch the
// server ends is started again at once; one that fails, after a second.
func (h *heartbeats) watch(ctx context.Context, kv events.KV, now func() time.Time, queue func(string), log *logrus.Entry) {
	prefix := events.NodeLeasePrefix
	retry := controller.Backoff{Base: time.Second}
	for ctx.Err() == nil {
		err := kv.Watch(ctx, prefix, func(entry events.KVEntry) {
			node := strings.TrimPrefix(entry.Key, prefix)
			if h.saw(node, entry.Revision, now()) {
				queue(node)
			}
		})
		if err == nil || ctx.Err() != nil {
			continue
		}
		log.WithError(err).Warn("watching node heartbeats; retrying")
		retry.Wait(ctx, 0)
	}
}
