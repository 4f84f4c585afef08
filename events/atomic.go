package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

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
func (l *Log) AppendAtomic(ctx context.Context, evs []*Event, expected []uint64) ([]uint64, error) {
	if len(evs) != len(expected) {
		return nil, fmt.Errorf("append atomic: %d events, %d expectations", len(evs), len(expected))
	}
	if len(evs) == 0 {
		return nil, nil
	}
	batch := uuid.NewString()
	last := len(evs) - 1
	for i, e := range evs {
		msg, err := Encode(e)
		if err != nil {
			return nil, err
		}
		msg.Header[headerBatchID] = []string{batch}
		msg.Header[headerBatchSeq] = []string{strconv.Itoa(i + 1)}
		msg.Header[jetstream.ExpectedLastSubjSeqHeader] = []string{strconv.FormatUint(expected[i], 10)}
		if i < last {
			// Staged by the server; the commit's answer covers the batch.
			if err := l.NC.PublishMsg(msg); err != nil {
				return nil, fmt.Errorf("append atomic %s: %w", msg.Subject, err)
			}
			continue
		}
		msg.Header[headerBatchCommit] = []string{"1"}
		ack, err := l.JS.PublishMsg(ctx, msg)
		if err != nil {
			if isWrongLastSequence(err) {
				return nil, &ConflictError{Subject: fmt.Sprintf("atomic batch of %d from %s", len(evs), evs[0].NATSSubject())}
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

// WriteAtomic is Write for several changes at once: one atomic batch (every
// change lands, each with its own CAS expectation, or none: ErrConflict),
// one round trip instead of one per change. Each object's resourceVersion
// is set to its new sequence.
func (l *Log) WriteAtomic(ctx context.Context, o Origin, ws []Write) ([]*Event, error) {
	evs := make([]*Event, len(ws))
	expected := make([]uint64, len(ws))
	now := time.Now()
	for i, w := range ws {
		e, err := NewEvent(o, w, now)
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
		w.Object.SetResourceVersion(FormatRV(seqs[i]))
	}
	return evs, nil
}
