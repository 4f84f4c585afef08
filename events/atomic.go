package events

import (
	"context"
	"errors"
	"fmt"
	"strconv"

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
