package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"time"

	"github.com/google/uuid"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/scheduler/placement"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The node ledger serialises binds onto one node. CAS on a pod's sequence
// stops two schedulers binding that pod twice, but not two schedulers each
// putting a different pod into a node's last free slot, each from a view
// without the other's bind. So every bind is appended in one atomic batch
// with an entry on its node's ledger subject, expecting that subject's last
// sequence as seen in the view the decision was made from: of two binds
// decided from the same view of a node, only one can land.
//
// The ledger is no API resource: projections pass over it, and it carries
// the Bindings (core/v1) it records, for auditors.
const (
	// LedgerResource is the subject token of the node ledgers:
	// jetplane.ev.nodebindings._.<node>.
	LedgerResource = "nodebindings"
	// LedgerType is the type of a ledger entry.
	LedgerType = events.TypePrefix + "nodebinding.bound"
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

// errViewBehind: a node's ledger holds binds this instance has not seen yet.
type errViewBehind struct{ seq uint64 }

func (e *errViewBehind) Error() string {
	return fmt.Sprintf("node ledger at %d, ahead of the view decided from", e.seq)
}

// ledgerSeq is the last ledger sequence of node that the view up to seq
// view includes. It is cached: after our own commits we know it, and a
// change by anyone else makes our next commit conflict, which drops it.
func (s *scheduler) ledgerSeq(ctx context.Context, node string, view uint64) (uint64, error) {
	if seq, ok := s.ledger[node]; ok {
		return seq, nil
	}
	ev, err := s.cfg.Log.LastFor(ctx, LedgerResource, "", node)
	if err != nil {
		return 0, fmt.Errorf("ledger of %s: %w", node, err)
	}
	var seq uint64
	if ev != nil {
		seq = ev.Seq
	}
	if seq > view {
		return 0, &errViewBehind{seq: seq}
	}
	s.ledger[node] = seq
	return seq, nil
}

// commit appends binds as one atomic batch: per node (in name order), its
// pods' scheduled events, each expecting the pod's sequence, then its ledger
// entry. It returns the last sequence written.
func (s *scheduler) commit(ctx context.Context, binds []bind, view uint64) (uint64, error) {
	byNode := map[string][]bind{}
	for _, b := range binds {
		byNode[b.pod.Spec.NodeName] = append(byNode[b.pod.Spec.NodeName], b)
	}
	nodes := make([]string, 0, len(byNode))
	for n := range byNode {
		nodes = append(nodes, n)
	}
	sort.Strings(nodes)
	now := s.cfg.Now()
	evs := make([]*events.Event, 0, len(binds)+len(nodes))
	expected := make([]uint64, 0, cap(evs))
	ledgerAt := make(map[string]int, len(nodes)) // node → index of its ledger event
	for _, node := range nodes {
		entry := ledgerEntry{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "List"}}
		for _, b := range byNode[node] {
			ev, err := events.NewEvent(s.origin, events.Write{Resource: podsResource, Change: events.Scheduled, Object: b.pod,
				Cause: events.CauseOf(&events.Event{ID: b.entry.EventID, CorrelationID: b.entry.CorrelationID})}, now)
			if err != nil {
				return 0, err
			}
			evs, expected = append(evs, ev), append(expected, b.entry.Seq)
			entry.Items = append(entry.Items, corev1.Binding{
				TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Binding"},
				ObjectMeta: metav1.ObjectMeta{Namespace: b.pod.Namespace, Name: b.pod.Name, UID: b.pod.UID},
				Target:     corev1.ObjectReference{Kind: "Node", Name: node},
			})
		}
		seq, err := s.ledgerSeq(ctx, node, view)
		if err != nil {
			return 0, err
		}
		ev, err := s.ledgerEvent(node, entry, now)
		if err != nil {
			return 0, err
		}
		ledgerAt[node] = len(evs)
		evs, expected = append(evs, ev), append(expected, seq)
	}
	seqs, err := s.cfg.Log.AppendAtomic(ctx, evs, expected)
	if err != nil {
		if errors.Is(err, events.ErrConflict) {
			for _, node := range nodes {
				delete(s.ledger, node) // someone else moved it, or a pod changed: re-read
			}
		}
		return 0, fmt.Errorf("bind %d pods on %d nodes: %w", len(binds), len(nodes), err)
	}
	for node, i := range ledgerAt {
		s.ledger[node] = seqs[i]
	}
	return seqs[len(seqs)-1], nil
}

func (s *scheduler) ledgerEvent(node string, entry ledgerEntry, now time.Time) (*events.Event, error) {
	data, err := json.Marshal(entry)
	if err != nil {
		return nil, fmt.Errorf("ledger entry of %s: %w", node, err)
	}
	return &events.Event{ID: uuid.NewString(), Source: s.origin.Source, Type: LedgerType, Time: now.UTC(),
		Actor: s.origin.Actor, Resource: LedgerResource, Name: node, Data: data}, nil
}

// placed is the bound copy of pod on node, ready for the batch.
func placed(e *projections.Entry, pod *corev1.Pod, node string, now time.Time) bind {
	return bind{entry: e, pod: placement.Bind(pod, node, now)}
}
