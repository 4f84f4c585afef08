package events

import (
	"context"
	"errors"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
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
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if from > 1 {
		cfg.DeliverPolicy = jetstream.DeliverByStartSequencePolicy
		cfg.OptStartSeq = from
	}
	cons, err := l.JS.OrderedConsumer(ctx, l.Config.EventsStream(), cfg)
	if err != nil {
		return fmt.Errorf("follow %s from %d: %w", filter, from, err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(2000))
	if err != nil {
		return fmt.Errorf("follow %s: %w", filter, err)
	}
	stop := context.AfterFunc(ctx, it.Stop)
	defer stop()
	defer it.Stop()
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return fmt.Errorf("follow %s: iterator closed: %w", filter, err)
			}
			return fmt.Errorf("follow %s: %w", filter, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("follow %s: metadata: %w", filter, err)
		}
		seq := md.Sequence.Stream
		ev, decErr := Decode(m.Subject(), m.Headers(), m.Data(), seq)
		if decErr != nil {
			ev = &Event{Seq: seq}
		}
		if err := fn(ev, decErr); err != nil {
			return err
		}
	}
}
