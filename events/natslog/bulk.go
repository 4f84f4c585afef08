package natslog

import (
	"context"
	"fmt"
	"strings"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/nats.go"
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

// TrimBefore drops every event before seq the only way EVENTS allows
// (DenyDelete, DenyPurge): retention. It lowers the stream's MaxMsgs to
// what is left from seq, which the server enforces at once, then puts the
// limit back. Retention tests and tools only; the operator's connection.
func (l *Log) TrimBefore(ctx context.Context, seq uint64) error {
	info, err := l.stream.Info(ctx)
	if err != nil {
		return fmt.Errorf("trim before %d: %w", seq, err)
	}
	if seq <= info.State.FirstSeq {
		return nil
	}
	cfg := info.Config
	limit := cfg.MaxMsgs
	cfg.MaxMsgs = int64(info.State.LastSeq - seq + 1)
	if _, err := l.js.UpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("trim before %d: %w", seq, err)
	}
	cfg.MaxMsgs = limit
	if _, err := l.js.UpdateStream(ctx, cfg); err != nil {
		return fmt.Errorf("trim before %d: restore the limit: %w", seq, err)
	}
	return nil
}

// RewriteWithout is what an operator can still do to history: recreate
// EVENTS and publish back every message but the one at seq (NATS' own
// headers dropped: they are preconditions of the original appends). For
// the tests of tamper evidence (jetplane verify); the operator's
// connection only.
func (l *Log) RewriteWithout(ctx context.Context, seq uint64) error {
	var kept []*nats.Msg
	err := l.ReadMessages(ctx, 1, 0, func(s uint64, m *events.Message) error {
		if s != seq {
			h := nats.Header{}
			for k, v := range m.Header {
				if !strings.HasPrefix(k, "Nats-") {
					h[k] = v
				}
			}
			kept = append(kept, &nats.Msg{Subject: m.Subject, Header: h, Data: m.Data})
		}
		return nil
	})
	if err != nil {
		return err
	}
	cfg := l.eventsStream(ctx)
	if err := l.js.DeleteStream(ctx, cfg.Name); err != nil {
		return fmt.Errorf("rewrite: %w", err)
	}
	if l.stream, err = l.js.CreateStream(ctx, cfg); err != nil {
		return fmt.Errorf("rewrite: %w", err)
	}
	for _, m := range kept {
		if _, err := l.js.PublishMsg(ctx, m); err != nil {
			return fmt.Errorf("rewrite: %w", err)
		}
	}
	return nil
}
