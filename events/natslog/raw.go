package natslog

import (
	"context"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Info is the event stream's state and retention now.
func (l *Log) Info(ctx context.Context) (events.LogInfo, error) {
	info, err := l.streamInfo(ctx)
	if err != nil {
		return events.LogInfo{}, fmt.Errorf("stream info: %w", err)
	}
	st, cfg := info.State, info.Config
	li := events.LogInfo{FirstSeq: st.FirstSeq, LastSeq: st.LastSeq, FirstTime: st.FirstTime, LastTime: st.LastTime,
		Events: st.Msgs, Bytes: st.Bytes, MaxAge: cfg.MaxAge, MaxBytes: cfg.MaxBytes}
	if info.Cluster != nil {
		li.Leader = info.Cluster.Leader
	}
	return li, nil
}

// ReadRaw reads the first n messages of the event stream through a bare
// ordered consumer, decoding nothing: the raw replay ceiling that
// benchmarks set their replay figures beside.
func (l *Log) ReadRaw(ctx context.Context, n int) error {
	cons, err := l.js.OrderedConsumer(ctx, l.Config.EventsStream(), jetstream.OrderedConsumerConfig{})
	if err != nil {
		return fmt.Errorf("raw read: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(2000))
	if err != nil {
		return fmt.Errorf("raw read: %w", err)
	}
	defer it.Stop()
	for range n {
		if _, err := it.Next(jetstream.NextMaxWait(30 * time.Second)); err != nil {
			return fmt.Errorf("raw read: %w", err)
		}
	}
	return nil
}

// RawFigures are what bare JetStream did with messages like sample.
type RawFigures struct {
	SyncCAS      []time.Duration // each synchronous append with a per-subject expectation
	SyncTook     time.Duration
	AsyncTook    time.Duration // as many appends, pipelined
	ReplayTook   time.Duration // both sets read back through an ordered consumer
	MessageBytes int
}

const rawStream = "LOADTEST_CEILING"

// MeasureRaw appends n copies of sample to a stream of its own on the
// log's server (file storage and replicas as the event log), synchronously
// with CAS and then pipelined, reads them back, and deletes the stream: the
// ceiling Jetplane's own figures are set beside.
func (l *Log) MeasureRaw(ctx context.Context, sample *events.Message, n int) (RawFigures, error) {
	js := l.js
	_ = js.DeleteStream(ctx, rawStream)
	if _, err := js.CreateStream(ctx, jetstream.StreamConfig{Name: rawStream, Subjects: []string{"loadtest.ceiling.>"},
		Storage: jetstream.FileStorage, Replicas: l.stream.CachedInfo().Config.Replicas}); err != nil {
		return RawFigures{}, fmt.Errorf("ceiling stream: %w", err)
	}
	defer func() { _ = js.DeleteStream(context.Background(), rawStream) }()
	f := RawFigures{MessageBytes: len(sample.Data) + headerBytes(sample.Header)}
	msg := func(kind string, i int) *nats.Msg {
		// Each its own de-duplication id, as each event has.
		h := nats.Header{}
		for k, v := range sample.Header {
			h[k] = v
		}
		h[events.HeaderMsgID] = []string{fmt.Sprintf("%s-%s-%d", h.Get(events.HeaderMsgID), kind, i)}
		return &nats.Msg{Subject: fmt.Sprintf("loadtest.ceiling.%s.%d", kind, i), Header: h, Data: sample.Data}
	}
	f.SyncCAS = make([]time.Duration, 0, n)
	start := time.Now()
	for i := range n {
		t := time.Now()
		if _, err := js.PublishMsg(ctx, msg("sync", i), jetstream.WithExpectLastSequencePerSubject(0)); err != nil {
			return f, fmt.Errorf("ceiling sync append: %w", err)
		}
		f.SyncCAS = append(f.SyncCAS, time.Since(t))
	}
	f.SyncTook = time.Since(start)
	start = time.Now()
	for i := range n {
		if _, err := js.PublishMsgAsync(msg("async", i)); err != nil {
			return f, fmt.Errorf("ceiling async append: %w", err)
		}
	}
	select {
	case <-js.PublishAsyncComplete():
	case <-ctx.Done():
		return f, ctx.Err()
	}
	f.AsyncTook = time.Since(start)
	start = time.Now()
	cons, err := js.OrderedConsumer(ctx, rawStream, jetstream.OrderedConsumerConfig{})
	if err != nil {
		return f, fmt.Errorf("ceiling replay: %w", err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(2000))
	if err != nil {
		return f, fmt.Errorf("ceiling replay: %w", err)
	}
	defer it.Stop()
	for range 2 * n {
		if _, err := it.Next(jetstream.NextMaxWait(30 * time.Second)); err != nil {
			return f, fmt.Errorf("ceiling replay: %w", err)
		}
	}
	f.ReplayTook = time.Since(start)
	return f, nil
}

func headerBytes(h events.Header) int {
	n := 0
	for k, vs := range h {
		for _, v := range vs {
			n += len(k) + len(v) + 4
		}
	}
	return n
}

// StoredAt is when the stream stored sequence seq (its own clock, the one
// SeqAt searches by).
func (l *Log) StoredAt(ctx context.Context, seq uint64) (time.Time, error) {
	m, err := l.stream.GetMsg(ctx, seq)
	if err != nil {
		return time.Time{}, fmt.Errorf("get seq %d: %w", seq, err)
	}
	return m.Time, nil
}
