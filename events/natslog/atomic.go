package natslog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jetplane/jetplane/events"

	"github.com/google/uuid"
	"github.com/nats-io/nats.go/jetstream"
)

// Headers of a JetStream atomic batch publish (ADR-50).
const (
	headerBatchID     = "Nats-Batch-Id"
	headerBatchSeq    = "Nats-Batch-Sequence"
	headerBatchCommit = "Nats-Batch-Commit"
)

// AppendAtomic stores every event or none, as one JetStream atomic batch:
// each one only if the last sequence on its subject is the matching
// expected one (0: the subject must have no event). The events get
// consecutive sequences, returned in order. A mismatch on any subject is
// ErrConflict; the server does not say which.
//
// It is Append for a change that spans subjects, e.g. the scheduler's bind
// and the node ledger entry that serialises binds onto one node.
func (l *Log) AppendAtomic(ctx context.Context, evs []*events.Event, expected []uint64) ([]uint64, error) {
	if len(evs) != len(expected) {
		return nil, fmt.Errorf("append atomic: %d events, %d expectations", len(evs), len(expected))
	}
	if len(evs) == 0 {
		return nil, nil
	}
	if len(evs) > ServerAtomicLimit {
		return nil, fmt.Errorf("append atomic: %d events, the server takes at most %d in one batch", len(evs), ServerAtomicLimit)
	}
	batch := uuid.NewString()
	last := len(evs) - 1
	for i, e := range evs {
		msg, err := events.Encode(e)
		if err != nil {
			return nil, err
		}
		msg.Header[headerBatchID] = []string{batch}
		msg.Header[headerBatchSeq] = []string{strconv.Itoa(i + 1)}
		msg.Header[jetstream.ExpectedLastSubjSeqHeader] = []string{strconv.FormatUint(expected[i], 10)}
		if i < last {
			// Staged by the server; the commit's answer covers the batch.
			if err := l.nc.PublishMsg(natsMsg(msg)); err != nil {
				return nil, fmt.Errorf("append atomic %s: %w", msg.Subject, err)
			}
			continue
		}
		msg.Header[headerBatchCommit] = []string{"1"}
		ack, err := l.js.PublishMsg(ctx, natsMsg(msg))
		if err != nil {
			if isWrongLastSequence(err) {
				return nil, &events.ConflictError{Subject: fmt.Sprintf("atomic batch of %d from %s", len(evs), evs[0].NATSSubject())}
			}
			return nil, fmt.Errorf("append atomic batch of %d: %w", len(evs), err)
		}
		if ack.Sequence < uint64(last) {
			return nil, errors.New("append atomic: acknowledged sequence below the batch size")
		}
		seqs := make([]uint64, len(evs))
		for j := range evs {
			seqs[j] = ack.Sequence - uint64(last-j)
			evs[j].Seq = seqs[j]
		}
		return seqs, nil
	}
	return nil, nil // not reached: the last event commits
}

// ServerAtomicLimit is the most messages the server takes in one atomic
// batch (JetStream's default). AppendAtomic refuses more: a caller whose
// change must land whole (the scheduler's binds and their ledger entry)
// sizes it below this.
const ServerAtomicLimit = 1000

// MaxAtomicBatch is how many writes WriteAtomic puts in one batch: smaller
// than the server allows, so one round trip stays short.
const MaxAtomicBatch = 200

// WriteAtomic is Write for several changes at once: atomic batches of at
// most MaxAtomicBatch (every change of a batch lands, each with its own
// CAS expectation, or none: ErrConflict), one round trip per batch instead
// of one per change. It stops at the first batch that fails; the ones
// before it stay written. Each object's resourceVersion is set to its new
// sequence; the events written are returned.
func (l *Log) WriteAtomic(ctx context.Context, o events.Origin, ws []events.Write) ([]*events.Event, error) {
	out := make([]*events.Event, 0, len(ws))
	for len(ws) > 0 {
		n := min(len(ws), MaxAtomicBatch)
		evs, err := l.writeBatch(ctx, o, ws[:n])
		out = append(out, evs...)
		if err != nil {
			return out, fmt.Errorf("%d changes from %s %s: %w", n, ws[0].Change, ws[0].Object.GetName(), err)
		}
		ws = ws[n:]
	}
	return out, nil
}

func (l *Log) writeBatch(ctx context.Context, o events.Origin, ws []events.Write) ([]*events.Event, error) {
	evs := make([]*events.Event, len(ws))
	expected := make([]uint64, len(ws))
	now := time.Now()
	for i, w := range ws {
		e, err := events.NewEvent(o, w, now)
		if err != nil {
			return nil, err
		}
		evs[i], expected[i] = e, w.Expected
	}
	seqs, err := l.AppendAtomic(ctx, evs, expected)
	if err != nil {
		return nil, err
	}
	for i, w := range ws {
		w.Object.SetResourceVersion(events.FormatRV(seqs[i]))
	}
	return evs, nil
}

// Write appends the change with CAS and returns the stored event; the object's
// resourceVersion is set to the new sequence.
func (l *Log) Write(ctx context.Context, o events.Origin, w events.Write) (*events.Event, error) {
	return writeThrough(ctx, l, o, w)
}

// writeThrough builds w's event and appends it through a; the object's
// resourceVersion becomes the new sequence.
func writeThrough(ctx context.Context, a events.Appender, o events.Origin, w events.Write) (*events.Event, error) {
	e, err := events.NewEvent(o, w, time.Now())
	if err != nil {
		return nil, err
	}
	seq, err := a.Append(ctx, e, w.Expected)
	if err != nil {
		return nil, err
	}
	w.Object.SetResourceVersion(events.FormatRV(seq))
	return e, nil
}
