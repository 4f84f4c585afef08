package natslog

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/jetplane/jetplane/events"

	"github.com/nats-io/nats.go/jetstream"
)

// PublishLogs stores records in order: every message is sent before any
// acknowledgement is awaited, so a batch costs about one round trip. It
// returns how many the stream acknowledged and the first failure; records
// are stored whether or not this waits for them (ctx ends only the wait).
func (l *Log) PublishLogs(ctx context.Context, recs []*events.LogRecord) (int, error) {
	futures := make([]jetstream.PubAckFuture, 0, len(recs))
	var firstErr error
	for _, r := range recs {
		m, err := events.EncodeLogRecord(r)
		if err != nil {
			firstErr = cmpOr(firstErr, err)
			continue
		}
		f, err := l.js.PublishMsgAsync(natsMsg(m))
		if err != nil {
			firstErr = cmpOr(firstErr, fmt.Errorf("publish %s: %w", m.Subject, err))
			continue
		}
		futures = append(futures, f)
	}
	stored := 0
	for _, f := range futures {
		select {
		case <-f.Ok():
			stored++
		case err := <-f.Err():
			firstErr = cmpOr(firstErr, fmt.Errorf("publish %s: %w", f.Msg().Subject, err))
		case <-ctx.Done():
			return stored, cmpOr(firstErr, fmt.Errorf("publish logs: %w", ctx.Err()))
		}
	}
	return stored, firstErr
}

func cmpOr(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

// LastLogRecord is the newest record of a run, or nil when the stream holds
// none.
func (l *Log) LastLogRecord(ctx context.Context, a events.LogAttempt) (*events.LogRecord, error) {
	m, err := l.logs.GetLastMsgForSubject(ctx, a.Subject())
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("last log record of %s: %w", a.Subject(), err)
	}
	return events.DecodeLogRecord(m.Subject, m.Header, m.Data, m.Sequence)
}

// LogAttempts lists the runs of the pods named pod in namespace that the
// stream still holds output of, oldest last record first. It needs no pod
// object: it is how the output of a pod the event log no longer knows is
// found.
func (l *Log) LogAttempts(ctx context.Context, namespace, pod string) ([]events.LoggedAttempt, error) {
	info, err := l.logs.Info(ctx, jetstream.WithSubjectFilter(events.LogPodFilter(namespace, pod)))
	if err != nil {
		return nil, fmt.Errorf("log runs of %s/%s: %w", namespace, pod, err)
	}
	out := make([]events.LoggedAttempt, 0, len(info.State.Subjects))
	for subj, n := range info.State.Subjects {
		a, err := events.ParseLogSubject(subj)
		if err != nil {
			continue // not written by Jetplane
		}
		last, err := l.LastLogRecord(ctx, a)
		if err != nil {
			return nil, err
		}
		if last != nil {
			out = append(out, events.LoggedAttempt{LogAttempt: a, Records: n, Last: last})
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Last.Seq < out[j].Last.Seq })
	return out, nil
}

// LogSeqWhere is the sequence from which reading a run yields its first
// record for which keep is true, or last+1 when none is; keep must be false
// for a prefix of the run's records and true after it. It binary-searches
// the stream up to the run's last record (last), O(log n) reads.
func (l *Log) LogSeqWhere(ctx context.Context, last *events.LogRecord, keep func(*events.LogRecord) bool) (uint64, error) {
	subj := last.Subject()
	lo, hi := uint64(1), last.Seq+1 // answer in [lo, hi]
	for lo < hi {
		mid := lo + (hi-lo)/2
		// The run's next record at or after mid: others' records sit between.
		m, err := l.logs.GetMsg(ctx, mid, jetstream.WithGetMsgSubject(subj))
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			hi = mid
			continue
		}
		if err != nil {
			return 0, fmt.Errorf("search %s: %w", subj, err)
		}
		r, err := events.DecodeLogRecord(m.Subject, m.Header, m.Data, m.Sequence)
		if err != nil {
			return 0, fmt.Errorf("search %s: %w", subj, err)
		}
		if r.Seq > last.Seq || keep(r) {
			hi = mid
		} else {
			lo = r.Seq + 1
		}
	}
	return lo, nil
}

// ReadLogs delivers a run's records in order from sequence from. With to >
// 0 it ends after the last record at or below to (a snapshot of what was
// written); with to == 0 it follows new records until ctx ends or fn fails.
// Records that do not decode are skipped: the stream is open to any writer.
func (l *Log) ReadLogs(ctx context.Context, a events.LogAttempt, from, to uint64, fn func(*events.LogRecord) error) error {
	subj := a.Subject()
	if to > 0 && from > to {
		return nil
	}
	return l.consume(ctx, l.Config.LogsStream(), subj, from, to, 500, func(m jetstream.Msg, seq uint64) error {
		if r, err := events.DecodeLogRecord(m.Subject(), m.Headers(), m.Data(), seq); err == nil {
			return fn(r)
		}
		return nil
	})
}
