package natslog

import (
	"context"
	"fmt"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/nats.go/jetstream"
)

// What benchmarks and retention tests need of the stream beyond the
// contract: raw publishes to set figures beside, bulk seeding, and a purge
// that does what retention would. None of it is for services: they append
// through Write/Append (CAS) only; nothing outside tests, benchmarks and the
// load test's ceiling calls these.

// PublishRaw publishes data on subject of the event stream with no
// envelope, and with expectEmpty only if the subject has no message yet:
// the bare JetStream append that benchmarks compare the one append path with.
func (l *Log) PublishRaw(ctx context.Context, subject string, data []byte, expectEmpty bool) error {
	var opts []jetstream.PublishOpt
	if expectEmpty {
		opts = append(opts, jetstream.WithExpectLastSequencePerSubject(0))
	}
	if _, err := l.js.Publish(ctx, subject, data, opts...); err != nil {
		return fmt.Errorf("publish %s: %w", subject, err)
	}
	return nil
}

// AppendUnchecked stores events pipelined, with no CAS expectation, and
// waits for every acknowledgement: seeding a large log for a benchmark.
// Never a path for services' writes, which go through Append.
func (l *Log) AppendUnchecked(ctx context.Context, evs []*events.Event) error {
	for i, e := range evs {
		m, err := events.Encode(e)
		if err != nil {
			return err
		}
		if _, err := l.js.PublishMsgAsync(natsMsg(m)); err != nil {
			return fmt.Errorf("append %s: %w", m.Subject, err)
		}
		if (i+1)%2000 == 0 {
			if err := l.awaitAsync(ctx); err != nil {
				return err
			}
		}
	}
	return l.awaitAsync(ctx)
}

func (l *Log) awaitAsync(ctx context.Context) error {
	select {
	case <-l.js.PublishAsyncComplete():
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// PurgeBefore removes every event before sequence seq, as a retention
// limit would.
func (l *Log) PurgeBefore(ctx context.Context, seq uint64) error {
	if err := l.stream.Purge(ctx, jetstream.WithPurgeSequence(seq)); err != nil {
		return fmt.Errorf("purge before %d: %w", seq, err)
	}
	return nil
}
