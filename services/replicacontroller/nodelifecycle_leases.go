package replicacontroller

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/sirupsen/logrus"
)

// watch follows the node heartbeat keys of the leases bucket until ctx ends,
// recording each renewal and queueing its node. A node whose lease is
// renewed while it is Unknown gets decided again at once. A watch that
// ends is started again after a second.
func (h *heartbeats) watch(ctx context.Context, kv events.KV, now func() time.Time, queue func(string), log *logrus.Entry) {
	prefix := events.NodeLeasePrefix
	_ = controller.Backoff{Base: time.Second}.Retry(ctx, nil, func(ctx context.Context) error {
		err := kv.Watch(ctx, prefix, func(entry events.KVEntry) {
			node := strings.TrimPrefix(entry.Key, prefix)
			if h.saw(node, entry.Revision, now()) {
				queue(node)
			}
		})
		if ctx.Err() != nil {
			return nil
		}
		log.WithError(err).Warn("watching node heartbeats; retrying")
		return fmt.Errorf("watch node heartbeats: %w", cmp.Or(err, errWatchEnded))
	})
}

var errWatchEnded = errors.New("watch ended")
