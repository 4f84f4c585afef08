package natslog

import (
	"context"
	"errors"
	"fmt"

	"github.com/jetplane/jetplane/events"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// consume is the one loop over a stream: an ordered consumer on filter from
// sequence from (0 or 1: the beginning), handing each message and its
// stream sequence to fn. With to > 0 it ends after sequence to or once
// nothing more is pending (an empty range ends at once): a read of the
// past. With to == 0 it follows new messages until ctx ends or fn fails.
func (l *Log) consume(ctx context.Context, stream, filter string, from, to uint64, batch int,
	fn func(m jetstream.Msg, seq uint64) error) error {
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverAllPolicy}
	if from > 1 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
	}
	cons, err := l.js.OrderedConsumer(ctx, stream, cfg)
	if err != nil {
		return fmt.Errorf("read %s from %d: %w", filter, from, err)
	}
	if to > 0 {
		info, err := cons.Info(ctx)
		if err != nil {
			return fmt.Errorf("read %s from %d: %w", filter, from, err)
		}
		if info.NumPending == 0 {
			return nil
		}
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(batch))
	if err != nil {
		return fmt.Errorf("read %s: %w", filter, err)
	}
	defer context.AfterFunc(ctx, it.Stop)()
	defer it.Stop()
	for {
		m, err := it.Next()
		if err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return fmt.Errorf("read %s: iterator closed: %w", filter, err)
			}
			return fmt.Errorf("read %s: %w", filter, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return fmt.Errorf("read %s: metadata: %w", filter, err)
		}
		seq := md.Sequence.Stream
		if to > 0 && seq > to {
			return nil
		}
		if err := fn(m, seq); err != nil {
			return err
		}
		if to > 0 && (seq >= to || md.NumPending == 0) {
			return nil
		}
	}
}

// decodeInto adapts a Handler to consume: a message that does not decode
// arrives as a bare event carrying its Seq, with the error.
func decodeInto(fn events.Handler) func(jetstream.Msg, uint64) error {
	return func(m jetstream.Msg, seq uint64) error {
		var ev *events.Event
		decErr := reflected(m.Headers(), seq)
		if decErr == nil {
			ev, decErr = events.Decode(m.Subject(), m.Headers(), m.Data(), seq)
		}
		if decErr != nil {
			ev = &events.Event{Seq: seq}
		}
		return fn(ev, decErr)
	}
}

// reflected refuses a stored message carrying the headers the server adds
// to a direct get's answer: a reader that can make the server answer onto
// any subject (NATS does not check reply subjects against permissions)
// could land a stored message on an EVENTS subject that way. No append
// carries them.
func reflected(h nats.Header, seq uint64) error {
	if isServerAnswer(h) {
		return fmt.Errorf("%w: seq %d is a server's answer copied into the log, not an append", events.ErrBadEvent, seq)
	}
	return nil
}

// isServerAnswer tells a message carrying the headers a direct get's
// answer has: no client's publish (an append, a report) carries them.
func isServerAnswer(h nats.Header) bool {
	_, ok := h[jetstream.StreamHeader]
	return ok
}
