package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/scheduler/placement"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The bind ledger serialises binds. CAS on a pod's sequence stops two
// schedulers binding that pod twice, but not two schedulers each putting a
// different pod into a node's last free slot, each from a view without the
// other's bind. So every batch of binds is appended in one atomic batch with
// an entry on the ledger subject, expecting the ledger's last sequence as
// seen in the view the batch was decided from: of two batches decided from
// the same view, only one can land, and the other is decided again from a
// view that includes it. One subject for the cluster (rather than one per
// node) costs one message per batch instead of one per node touched; binds
// are serialised anyway, as one leader makes them.
//
// The ledger is no API resource: projections pass over it, and it carries
// the Bindings (core/v1) it records, for auditors.
const (
	// LedgerResource and LedgerName make the ledger's subject:
	// jetplane.ev.bindledger._.cluster.
	LedgerResource = "bindledger"
	LedgerName     = "cluster"
	// LedgerType is the type of a ledger entry.
	LedgerType = events.TypePrefix + "bindledger.bound"
)

// ledgerEntry is a ledger event's data: the Bindings made by one batch.
type ledgerEntry struct {
	metav1.TypeMeta `json:",inline"`
	Items           []corev1.Binding `json:"items"`
}

// bind is one decided placement waiting to be appended.
type bind struct {
	entry *projections.Entry // the pending pod as decided from
	pod   *corev1.Pod        // bound copy
}

// errViewBehind: the ledger holds binds this instance has not seen yet.
type errViewBehind struct{ seq uint64 }

func (e *errViewBehind) Error() string {
	return fmt.Sprintf("bind ledger at %d, ahead of the view decided from", e.seq)
}

// ledgerSeq is the ledger's last sequence if the view up to sequence view
// includes it. It is cached: after our own commits we know it, and a change
// by anyone else makes our next commit conflict, which drops it.
func (s *scheduler) ledgerSeq(ctx context.Context, view uint64) (uint64, error) {
	if s.ledgerKnown {
		return s.ledger, nil
	}
	ev, err := s.cfg.Log.LastFor(ctx, LedgerResource, "", LedgerName)
	if err != nil {
		return 0, fmt.Errorf("bind ledger: %w", err)
	}
	var seq uint64
	if ev != nil {
		seq = ev.Seq
	}
	if seq > view {
		return 0, &errViewBehind{seq: seq}
	}
	s.ledger, s.ledgerKnown = seq, true
	return seq, nil
}

// commit appends binds as one atomic batch: the pods' scheduled events, each
// expecting the pod's sequence, then the ledger entry. It returns the last
// sequence written.
func (s *scheduler) commit(ctx context.Context, binds []bind, view uint64) (uint64, error) {
	now := s.cfg.Now()
	evs := make([]*events.Event, 0, len(binds)+1)
	expected := make([]uint64, 0, cap(evs))
	entry := ledgerEntry{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
	for _, b := range binds {
		ev, err := events.NewEvent(s.origin, events.Write{Resource: podsResource, Change: events.Scheduled, Object: b.pod,
			Cause: b.entry.Cause()}, now)
		if err != nil {
			return 0, err
		}
		evs, expected = append(evs, ev), append(expected, b.entry.Seq)
		entry.Items = append(entry.Items, corev1.Binding{
			TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Binding"},
			ObjectMeta: metav1.ObjectMeta{Namespace: b.pod.Namespace, Name: b.pod.Name, UID: b.pod.UID},
			Target:     corev1.ObjectReference{Kind: "Node", Name: b.pod.Spec.NodeName},
		})
	}
	seq, err := s.ledgerSeq(ctx, view)
	if err != nil {
		return 0, err
	}
	ev, err := s.ledgerEvent(entry, now)
	if err != nil {
		return 0, err
	}
	evs, expected = append(evs, ev), append(expected, seq)
	if err := ctx.Err(); err != nil {
		// AppendAtomic would stage every event before the commit fails.
		return 0, fmt.Errorf("bind %d pods: %w", len(binds), err)
	}
	if s.writer.Fence != nil { // a deposed (or paused) leader binds nothing
		if err := s.writer.Fence(); err != nil {
			return 0, fmt.Errorf("bind %d pods: %w", len(binds), err)
		}
	}
	seqs, err := s.appendAtomic(ctx, evs, expected)
	if err != nil {
		// Re-read the ledger before the next commit: on a conflict someone
		// else moved it (or a pod changed); on any other error (a timeout)
		// the batch may still have landed, and expecting the old sequence
		// would then conflict.
		s.ledgerKnown = false
		return 0, fmt.Errorf("bind %d pods: %w", len(binds), err)
	}
	s.ledger = seqs[len(seqs)-1]
	return s.ledger, nil
}

// appendAtomic is Log.AppendAtomic, unless a test stands in for it.
func (s *scheduler) appendAtomic(ctx context.Context, evs []*events.Event, expected []uint64) ([]uint64, error) {
	if s.appendHook != nil {
		return s.appendHook(ctx, evs, expected)
	}
	return s.cfg.Log.AppendAtomic(ctx, evs, expected)
}

func (s *scheduler) ledgerEvent(entry ledgerEntry, now time.Time) (*events.Event, error) {
	data, err := json.Marshal(entry)
	if err != nil {
		return nil, fmt.Errorf("ledger entry: %w", err)
	}
	return &events.Event{ID: uuid.NewString(), Source: s.origin.Source, Type: LedgerType, Time: now.UTC(),
		Actor: s.origin.Actor, Resource: LedgerResource, Name: LedgerName, Data: data}, nil
}

// placed is the bound copy of pod on node, ready for the batch.
func placed(e *projections.Entry, pod *corev1.Pod, node string, now time.Time) bind {
	return bind{entry: e, pod: placement.Bind(pod, node, now)}
}
