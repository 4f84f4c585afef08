package natslog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"

	"github.com/nats-io/nats.go/jetstream"
)

// Replay delivers, in order, the events matching filter from sequence from
// up to sequence to (0: whatever the log holds when the replay starts), then
// returns nil. It is Follow that ends: for histories and audits of the past.
// It fails with ErrHistoryTrimmed when from is older than the stream's first
// sequence.
func (l *Log) Replay(ctx context.Context, filter string, from, to uint64, fn events.Handler) error {
	first, last, err := l.Bounds(ctx)
	if err != nil {
		return err
	}
	if from < 1 {
		from = 1
	}
	if from < first && first > 1 {
		return fmt.Errorf("replay %s from %d: stream starts at %d: %w", filter, from, first, events.ErrHistoryTrimmed)
	}
	if to == 0 || to > last {
		to = last
	}
	if from > to {
		return nil
	}
	return l.consume(ctx, l.Config.EventsStream(), filter, from, to, 1000, decodeInto(fn))
}

// SeqAt is the first sequence the log stored at or after t (by the stream's
// own receive time), or last+1 when everything is older: where "since t"
// begins. It binary-searches the stream, so it costs O(log n) reads.
func (l *Log) SeqAt(ctx context.Context, t time.Time) (uint64, error) {
	first, last, err := l.Bounds(ctx)
	if err != nil {
		return 0, err
	}
	lo, hi := first, last+1 // answer in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		// The next stored message at or after mid: sequences may be holes.
		m, err := l.stream.GetMsg(ctx, mid, jetstream.WithGetMsgSubject(events.SubjectRoot+".>"))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			hi = mid
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("seq at %s: %w", t.Format(time.RFC3339Nano), err)
		}
		if m.Time.Before(t) {
			lo = m.Sequence + 1
		} else {
			hi = mid
		}
	}
	return lo, nil
}

// ReadMessages hands fn every message of EVENTS from sequence from to to
// (0: the last now), exactly as stored (subject, headers, data), whatever
// it holds: what sealing and verifying digest.
func (l *Log) ReadMessages(ctx context.Context, from, to uint64, fn func(seq uint64, m *events.Message) error) error {
	_, last, err := l.Bounds(ctx)
	if err != nil {
		return err
	}
	if to == 0 || to > last {
		to = last
	}
	if from < 1 {
		from = 1
	}
	if from > to {
		return nil
	}
	return l.consume(ctx, l.Config.EventsStream(), events.SubjectRoot+".>", from, to, 1000, func(m jetstream.Msg, seq uint64) error {
		return fn(seq, &events.Message{Subject: m.Subject(), Header: events.Header(m.Headers()), Data: m.Data()})
	})
}
