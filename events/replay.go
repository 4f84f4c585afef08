package events

import (
	"context"
	"errors"
	"fmt"
	"time"

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
		m, err := l.stream.GetMsg(ctx, mid, jetstream.WithGetMsgSubject(SubjectRoot+".>"))
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
