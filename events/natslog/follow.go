package natslog

import (
	"context"

	"github.com/jetplane/jetplane/events"
)

// Follow delivers the events matching filter from sequence from (1 or 0: the
// beginning) in order, with no gap and no duplicate, then keeps delivering new
// ones until ctx ends or fn returns an error. It uses an ordered consumer,
// which JetStream re-creates at the right sequence after a disconnect.
func (l *Log) Follow(ctx context.Context, filter string, from uint64, fn events.Handler) error {
	return l.consume(ctx, l.Config.EventsStream(), filter, from, 0, 2000, decodeInto(fn))
}
