package events

import (
	"context"
	"fmt"

	"github.com/nats-io/nats.go/jetstream"
)

// Replay delivers, in order, the events matching filter from sequence from
// up to sequence to (0: whatever the log holds when the replay starts), then
// returns nil. It is Follow that ends: for histories and audits of the past.
// It fails with ErrHistoryTrimmed when from is older than the stream's first
// sequence.
func (l *Log) Replay(ctx context.Context, filter string, from, to uint64, fn Handler) error {
	first, last, err := l.Bounds(ctx)
	if err != nil {
		return err
	}
	if from < 1 {
		from = 1
	}
	if from < first && first > 1 {
		return fmt.Errorf("replay %s from %d: stream starts at %d: %w", filter, from, first, ErrHistoryTrimmed)
	}
	if to == 0 || to > last {
		to = last
	}
	if from > to {
		return nil
	}
	// The consumer says how many matching messages remain: none means an
	// empty range, and the last delivered one has nothing pending after it.
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter},
		DeliverPolicy: jetstream.DeliverByStartSequencePolicy, OptStartSeq: from}
	cons, err := l.JS.OrderedConsumer(ctx, l.Config.EventsStream(), cfg)
	if err != nil {
		return fmt.Errorf("replay %s from %d: %w", filter, from, err)
	}
	info, err := cons.Info(ctx)
	if err != nil {
		return fmt.Errorf("replay %s from %d: %w", filter, from, err)
	}
	if info.NumPending == 0 {
		return nil
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(1000))
	if err != nil {
		return fmt.Errorf("replay %s: %w", filter, err)
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
			return fmt.Errorf("replay %s: %w", filter, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("replay %s: metadata: %w", filter, err)
		}
		seq := md.Sequence.Stream
		if seq > to {
			return nil
		}
		ev, decErr := Decode(m.Subject(), m.Headers(), m.Data(), seq)
		if decErr != nil {
			ev = &Event{Seq: seq}
		}
		if err := fn(ev, decErr); err != nil {
			return err
		}
		if seq >= to || md.NumPending == 0 {
			return nil
		}
	}
}
