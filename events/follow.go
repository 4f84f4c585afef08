package events

import (
	"context"
)

// Handler receives each event in sequence order. A message that cannot be
// decoded arrives as a bare event carrying only its Seq, with the decode
// error, so followers can account for it without stopping.
type Handler func(ev *Event, decodeErr error) error

// Follow delivers the events matching filter from sequence from (1 or 0: the
// beginning) in order, with no gap and no duplicate, then keeps delivering new
// ones until ctx ends or fn returns an error. It uses an ordered consumer,
// which JetStream re-creates at the right sequence after a disconnect.
func (l *Log) Follow(ctx context.Context, filter string, from uint64, fn Handler) error {
	return l.consume(ctx, l.Config.EventsStream(), filter, from, 0, 2000, decodeInto(fn))
}
