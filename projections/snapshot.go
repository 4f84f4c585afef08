package projections

import (
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/jetplane/jetplane/customresources"
	"github.com/sirupsen/logrus"
	"io"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sort"
	"strings"

	"github.com/jetplane/jetplane/events"
)

// SnapshotFormat is the version of the snapshot encoding. A snapshot of
// another format is incompatible: ignored, and the log replayed in full.
const SnapshotFormat = 1

// ErrBadSnapshot: a snapshot that cannot be used (corrupt, incompatible).
var ErrBadSnapshot = errors.New("unusable snapshot")

// snapshotHeader comes first in a snapshot, then one snapshotEntry per line.
type snapshotHeader struct {
	Format  int    `json:"format"`
	Last    uint64 `json:"last"`
	Skipped uint64 `json:"skipped"`
	Entries int    `json:"entries"`
}

type snapshotEntry struct {
	Resource      string          `json:"r"`
	Namespace     string          `json:"ns,omitempty"`
	Name          string          `json:"n"`
	Seq           uint64          `json:"seq"`
	Type          string          `json:"t"`
	EventID       string          `json:"id"`
	CorrelationID string          `json:"cid,omitempty"`
	Object        json.RawMessage `json:"o,omitempty"` // absent for a tombstone
}

// snapshotOf captures the entries and position of a state. Entries are
// never changed in place (Apply replaces them), so holding them after the
// lock is released is safe: encoding happens off the projection's path.
func (s *State) snapshotOf() (snapshotHeader, []*Entry) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var entries []*Entry
	for _, byNS := range s.objects {
		for _, byName := range byNS {
			for _, e := range byName {
				entries = append(entries, e)
			}
		}
	}
	return snapshotHeader{Format: SnapshotFormat, Last: s.last, Skipped: s.skipped, Entries: len(entries)}, entries
}

// WriteSnapshot encodes the state (gzip'd JSON lines) to w.
func (s *State) WriteSnapshot(w io.Writer) (last uint64, err error) {
	h, err := s.writeSnapshot(w)
	return h.Last, err
}

func (s *State) writeSnapshot(w io.Writer) (snapshotHeader, error) {
	h, entries := s.snapshotOf()
	sort.Slice(entries, func(i, j int) bool { return entries[i].Seq < entries[j].Seq })
	zw := gzip.NewWriter(w)
	enc := json.NewEncoder(zw)
	if err := enc.Encode(h); err != nil {
		return h, fmt.Errorf("snapshot: %w", err)
	}
	for _, e := range entries {
		se := snapshotEntry{Resource: e.Resource, Namespace: e.Namespace, Name: e.Name, Seq: e.Seq, Type: e.Type,
			EventID: e.EventID, CorrelationID: e.CorrelationID}
		if e.Object != nil {
			data, err := json.Marshal(e.Object)
			if err != nil {
				return h, fmt.Errorf("snapshot %s: %w", e.Key(), err)
			}
			se.Object = data
		}
		if err := enc.Encode(se); err != nil {
			return h, fmt.Errorf("snapshot: %w", err)
		}
	}
	if err := zw.Close(); err != nil {
		return h, fmt.Errorf("snapshot: %w", err)
	}
	return h, nil
}

// ReadSnapshot decodes a snapshot into a new state. Anything wrong with it
// is ErrBadSnapshot: the caller replays the log instead.
func ReadSnapshot(r io.Reader) (*State, error) {
	zr, err := gzip.NewReader(r)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrBadSnapshot, err)
	}
	dec := json.NewDecoder(zr)
	var h snapshotHeader
	if err := dec.Decode(&h); err != nil {
		return nil, fmt.Errorf("%w: header: %w", ErrBadSnapshot, err)
	}
	if h.Format != SnapshotFormat {
		return nil, fmt.Errorf("%w: format %d, this version reads %d", ErrBadSnapshot, h.Format, SnapshotFormat)
	}
	st := NewState()
	for i := 0; i < h.Entries; i++ {
		var se snapshotEntry
		if err := dec.Decode(&se); err != nil {
			return nil, fmt.Errorf("%w: entry %d of %d: %w", ErrBadSnapshot, i+1, h.Entries, err)
		}
		if err := putSnapshotEntry(st, se, h.Last); err != nil {
			return nil, err
		}
	}
	var extra json.RawMessage
	if err := dec.Decode(&extra); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: more than the %d entries announced", ErrBadSnapshot, h.Entries)
	}
	st.last, st.skipped = h.Last, h.Skipped
	return st, nil
}

// adopt replaces the contents of s with those of other (a loaded snapshot),
// keeping s itself: whoever holds the state keeps reading it.
func (s *State) adopt(other *State) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.objects, s.byLabel, s.byNode, s.byOwner = other.objects, other.byLabel, other.byNode, other.byOwner
	s.last, s.skipped = other.last, other.skipped
}

// entries lists every entry, tombstones included, in sequence order.
func (s *State) entries() []*Entry {
	_, es := s.snapshotOf()
	sort.Slice(es, func(i, j int) bool { return es[i].Seq < es[j].Seq })
	return es
}

// putSnapshotEntry decodes one entry into st (a definition also registers
// its kind).
func putSnapshotEntry(st *State, se snapshotEntry, last uint64) error {
	e := &Entry{Resource: se.Resource, Namespace: se.Namespace, Name: se.Name, Seq: se.Seq, Type: se.Type,
		EventID: se.EventID, CorrelationID: se.CorrelationID}
	// A tombstone needs no kind (its definition may be gone); a custom
	// object (plural.group) decodes whole, its kind registered once the
	// snapshot is adopted (syncCustomKinds).
	if len(se.Object) > 0 {
		var obj events.Object
		var err error
		if res, ok := events.Lookup(se.Resource); ok {
			obj, err = events.DecodeObject(res, se.Object)
		} else if strings.Contains(se.Resource, ".") {
			u := &unstructured.Unstructured{}
			err, obj = events.DecodeInto(se.Object, u), u
		} else {
			return fmt.Errorf("%w: unknown resource %q", ErrBadSnapshot, se.Resource)
		}
		if err != nil {
			return fmt.Errorf("%w: %s: %w", ErrBadSnapshot, e.Key(), err)
		}
		obj.SetResourceVersion(events.FormatRV(se.Seq))
		e.Object = obj
	}
	if se.Seq > last {
		return fmt.Errorf("%w: %s at %d is past the snapshot's end %d", ErrBadSnapshot, e.Key(), se.Seq, last)
	}
	st.put(e)
	return nil
}

// syncCustomKinds registers the kinds of the definitions an adopted
// snapshot holds (and forgets the deleted ones).
func syncCustomKinds(st *State) {
	for _, e := range st.entries() {
		if e.Resource != customDefinitions {
			continue
		}
		crd, _ := e.Object.(*apiextensionsv1.CustomResourceDefinition)
		syncCustomKind(crd, e.Name, e.Seq)
	}
}

const customDefinitions = "customresourcedefinitions"

// syncCustomKindOf keeps the registry of custom kinds in step with the
// CustomResourceDefinitions the live projection applies, before the
// definition's event is applied (so that a definition acknowledged to its
// writer is served): it registers its kind before any event of its objects
// is read (the log holds them after it); its deletion unregisters it.
func syncCustomKindOf(ev *events.Event) {
	if ev.Resource != customDefinitions {
		return
	}
	if ev.IsDelete() || len(ev.Data) == 0 {
		syncCustomKind(nil, ev.Name, ev.Seq)
		return
	}
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := events.DecodeInto(ev.Data, crd); err != nil {
		return // State.Apply reports it
	}
	syncCustomKind(crd, ev.Name, ev.Seq)
}

func syncCustomKind(crd *apiextensionsv1.CustomResourceDefinition, name string, seq uint64) {
	if crd == nil {
		customresources.Forget(name, seq)
		return
	}
	if _, err := customresources.Sync(crd, seq); err != nil {
		logrus.WithError(err).WithFields(logrus.Fields{"service": "projection", "key": name, "seq": seq}).
			Warn("custom resource definition not served")
	}
}
