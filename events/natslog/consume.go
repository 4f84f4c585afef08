package natslog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"
)

// consume is the one loop over a stream: an ordered consumer on filter from
// sequence from (0 or 1: the beginning), handing each message and its
// stream sequence to fn. With to > 0 it ends after sequence to or once
// nothing more is pending (an empty range ends at once): a read of the
// past. With to == 0 it follows new messages until ctx ends or fn fails.
//
// A consumer that goes silent is checked (idleCheck): one that is gone or
// lags what the stream holds — made while a cluster node was lost, its
// stream's leader on the way out — is made anew from the next sequence,
// so that a follow never waits forever on a consumer that no longer is.
func (l *Log) consume(ctx context.Context, stream, filter string, from, to uint64, batch int,
	fn func(m jetstream.Msg, seq uint64) error) error {
	next := max(from, 1)
	for {
		done, err := l.consumeOnce(ctx, stream, filter, next, to, batch, func(m jetstream.Msg, seq uint64) error {
			next = seq + 1
			return fn(m, seq)
		})
		if done || err != nil {
			return err
		}
		// The consumer went stale (or was not made in time): make another
		// from where it stopped.
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
}

// idleCheck is how long a consumer may deliver nothing before it is asked
// whether it still is, and still keeps up.
const idleCheck = 5 * time.Second

// consumeOnce reads through one ordered consumer from sequence from; it
// returns done=false (and no error) when that consumer went stale.
func (l *Log) consumeOnce(ctx context.Context, stream, filter string, from, to uint64, batch int,
	fn func(m jetstream.Msg, seq uint64) error) (done bool, err error) {
	// Few resets of its own: nats.go's ordered consumer otherwise retries
	// making its next consumer forever inside Next, where no deadline
	// reaches; this loop makes it anew instead, bounded and from the
	// sequence after the last delivered.
	// Named here, so that a consumer whose making timed out on the way
	// back (the server made it) is removed all the same.
	prefix := nuid.Next()
	cfg := jetstream.OrderedConsumerConfig{FilterSubjects: []string{filter}, DeliverPolicy: jetstream.DeliverAllPolicy,
		MaxResetAttempts: 2, InactiveThreshold: consumerIdleLimit, NamePrefix: prefix}
	if from > 1 {
		cfg.DeliverPolicy, cfg.OptStartSeq = jetstream.DeliverByStartSequencePolicy, from
	}
	// Bounded: a request that reached a cluster node on its way out is
	// never answered, and a follow's context has no deadline.
	cctx, cancel := context.WithTimeout(ctx, idleCheck)
	cons, err := l.js.OrderedConsumer(cctx, stream, cfg)
	cancel()
	if err != nil {
		l.deleteConsumer(stream, prefix+"_1") // nats.go names its first one so
		if ctx.Err() == nil && transient(err) {
			return false, nil // asked again
		}
		return true, fmt.Errorf("read %s from %d: %w", filter, from, err)
	}
	defer func() {
		if info := cons.CachedInfo(); info != nil && info.Name != "" {
			l.deleteConsumer(stream, info.Name)
		}
	}()
	if to > 0 {
		info, err := cons.Info(ctx)
		if err != nil {
			return true, fmt.Errorf("read %s from %d: %w", filter, from, err)
		}
		if info.NumPending == 0 {
			return true, nil
		}
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(batch))
	if err != nil {
		return true, fmt.Errorf("read %s: %w", filter, err)
	}
	defer context.AfterFunc(ctx, it.Stop)()
	defer it.Stop()
	for {
		m, err := it.Next(jetstream.NextMaxWait(idleCheck))
		if errors.Is(err, nats.ErrTimeout) && ctx.Err() == nil {
			if l.stale(ctx, cons) {
				return false, nil
			}
			continue
		}
		if err != nil {
			if ctx.Err() != nil {
				return true, ctx.Err()
			}
			if errors.Is(err, jetstream.ErrMsgIteratorClosed) {
				return true, fmt.Errorf("read %s: iterator closed: %w", filter, err)
			}
			if transient(err) {
				return false, nil // its own reset failed: made anew here
			}
			return true, fmt.Errorf("read %s: %w", filter, err)
		}
		md, err := m.Metadata()
		if err != nil {
			return true, fmt.Errorf("read %s: metadata: %w", filter, err)
		}
		seq := md.Sequence.Stream
		if to > 0 && seq > to {
			return true, nil
		}
		if err := fn(m, seq); err != nil {
			return true, err
		}
		if to > 0 && (seq >= to || md.NumPending == 0) {
			return true, nil
		}
	}
}

// consumerIdleLimit is how long the server keeps a consumer nobody pulls
// from: what a crashed reader, or a request timed out on a node on its way
// out, leaves behind does not pile up towards the stream's consumer limit.
const consumerIdleLimit = 30 * time.Second

// deleteConsumer removes the server's consumer once a read is done with it
// (nats.go only stops pulling): reads of the past and made-anew follows
// would otherwise leave one each until consumerIdleLimit. Off the reader's
// path, asked a few times (a busy server may not answer the first in
// time); one that is not there is done with.
func (l *Log) deleteConsumer(stream, name string) {
	go func() {
		for range 3 {
			ctx, cancel := context.WithTimeout(context.Background(), idleCheck)
			err := l.js.DeleteConsumer(ctx, stream, name)
			cancel()
			if err == nil || errors.Is(err, jetstream.ErrConsumerNotFound) || !transient(err) {
				return
			}
		}
	}()
}

// stale tells whether a silent consumer is gone, or says messages are
// pending that it does not deliver.
func (l *Log) stale(ctx context.Context, cons jetstream.Consumer) bool {
	ictx, cancel := context.WithTimeout(ctx, idleCheck)
	defer cancel()
	info, err := cons.Info(ictx)
	return err != nil || info.NumPending > 0
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
