package projections

import (
	"fmt"
	"sort"
	"sync"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/selection"
	"k8s.io/apimachinery/pkg/types"
)

// Entry is one object as the log last left it.
type Entry struct {
	Resource  string
	Namespace string
	Name      string
	// Seq is the sequence of the object's latest event: its resourceVersion,
	// and the value to expect when appending the next change.
	Seq  uint64
	Type string // type of the latest event
	// Object is the decoded object, nil once deleted (a tombstone keeps Seq so
	// that re-creating the name appends with the right expectation).
	Object        events.Object
	EventID       string
	CorrelationID string
}

// Cause is what events reacting to this entry's latest event carry: its
// correlation, and that event as their cause.
func (e *Entry) Cause() events.Cause { return events.CauseOfEvent(e.EventID, e.CorrelationID) }

// Deleted tells whether the entry is a tombstone.
func (e *Entry) Deleted() bool { return e.Object == nil }

// Key is "namespace/name", or "name" for cluster-scoped objects.
func (e *Entry) Key() string { return Key(e.Namespace, e.Name) }

// Key joins namespace and name the way work queues and Entry.Key do.
func Key(namespace, name string) string {
	if namespace == "" {
		return name
	}
	return namespace + "/" + name
}

type ref struct{ resource, namespace, name string }

// State is a folded view of the log, safe for concurrent use.
type State struct {
	mu      sync.RWMutex
	objects map[string]map[string]map[string]*Entry // resource → namespace → name
	byLabel map[string]map[string]map[ref]*Entry    // resource → "k=v" → entries
	byNode  map[string]map[ref]*Entry               // node name → pods
	byOwner map[types.UID]map[ref]*Entry            // owner uid → owned objects
	last    uint64
	skipped uint64 // events that could not be decoded
}

// NewState makes an empty state.
func NewState() *State {
	return &State{
		objects: map[string]map[string]map[string]*Entry{},
		byLabel: map[string]map[string]map[ref]*Entry{},
		byNode:  map[string]map[ref]*Entry{},
		byOwner: map[types.UID]map[ref]*Entry{},
	}
}

// LastApplied is the sequence of the last event folded in.
func (s *State) LastApplied() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.last
}

// Skip records a sequence that could not be decoded, so LastApplied moves on.
func (s *State) Skip(seq uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if seq > s.last {
		s.last = seq
		s.skipped++
	}
}

// Apply folds one event in and returns the entry before and after it. Events
// at or below LastApplied are ignored (prev and cur nil): replays never
// apply twice.
func (s *State) Apply(ev *events.Event) (prev, cur *Entry, err error) {
	res, ok := events.Lookup(ev.Resource)
	var obj events.Object
	if ok && !ev.IsDelete() {
		var err error
		if obj, err = events.DecodeObject(res, ev.Data); err != nil {
			s.Skip(ev.Seq)
			return nil, nil, fmt.Errorf("seq %d: %w", ev.Seq, err)
		}
		obj.SetResourceVersion(events.FormatRV(ev.Seq))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if ev.Seq <= s.last {
		return nil, nil, nil
	}
	s.last = ev.Seq
	if !ok {
		return nil, nil, nil // a resource this version does not know: keep going
	}
	cur = &Entry{Resource: ev.Resource, Namespace: ev.Namespace, Name: ev.Name, Seq: ev.Seq, Type: ev.Type,
		Object: obj, EventID: ev.ID, CorrelationID: ev.CorrelationID}
	return s.put(cur), cur, nil
}

// put stores an entry in place of the one before it (returned), keeping
// the indexes right. The caller holds the lock, or the state is not shared yet.
func (s *State) put(e *Entry) (prev *Entry) {
	byNS := s.objects[e.Resource]
	if byNS == nil {
		byNS = map[string]map[string]*Entry{}
		s.objects[e.Resource] = byNS
	}
	byName := byNS[e.Namespace]
	if byName == nil {
		byName = map[string]*Entry{}
		byNS[e.Namespace] = byName
	}
	prev = byName[e.Name]
	if prev != nil {
		s.unindex(prev)
	}
	byName[e.Name] = e
	s.index(e)
	return prev
}

func (e *Entry) ref() ref { return ref{e.Resource, e.Namespace, e.Name} }

func (s *State) index(e *Entry) {
	if e.Object == nil {
		return
	}
	r := e.ref()
	for k, v := range e.Object.GetLabels() {
		addTo(s.byLabel, e.Resource, k+"="+v, r, e)
	}
	if pod, ok := e.Object.(*corev1.Pod); ok && pod.Spec.NodeName != "" {
		if s.byNode[pod.Spec.NodeName] == nil {
			s.byNode[pod.Spec.NodeName] = map[ref]*Entry{}
		}
		s.byNode[pod.Spec.NodeName][r] = e
	}
	for _, o := range e.Object.GetOwnerReferences() {
		if s.byOwner[o.UID] == nil {
			s.byOwner[o.UID] = map[ref]*Entry{}
		}
		s.byOwner[o.UID][r] = e
	}
}

func (s *State) unindex(e *Entry) {
	if e.Object == nil {
		return
	}
	r := e.ref()
	for k, v := range e.Object.GetLabels() {
		if m := s.byLabel[e.Resource][k+"="+v]; m != nil {
			delete(m, r)
			if len(m) == 0 {
				delete(s.byLabel[e.Resource], k+"="+v)
			}
		}
	}
	if pod, ok := e.Object.(*corev1.Pod); ok && pod.Spec.NodeName != "" {
		delete(s.byNode[pod.Spec.NodeName], r)
		if len(s.byNode[pod.Spec.NodeName]) == 0 {
			delete(s.byNode, pod.Spec.NodeName)
		}
	}
	for _, o := range e.Object.GetOwnerReferences() {
		delete(s.byOwner[o.UID], r)
		if len(s.byOwner[o.UID]) == 0 {
			delete(s.byOwner, o.UID)
		}
	}
}

func addTo(m map[string]map[string]map[ref]*Entry, a, b string, r ref, e *Entry) {
	if m[a] == nil {
		m[a] = map[string]map[ref]*Entry{}
	}
	if m[a][b] == nil {
		m[a][b] = map[ref]*Entry{}
	}
	m[a][b][r] = e
}

// Get returns the entry of one object, tombstones included, or nil.
func (s *State) Get(resource, namespace, name string) *Entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.objects[resource][namespace][name]
}

// Live returns the object's entry if it exists and is not deleted.
func (s *State) Live(resource, namespace, name string) *Entry {
	if e := s.Get(resource, namespace, name); e != nil && !e.Deleted() {
		return e
	}
	return nil
}

// List returns the live objects of a resource in a namespace ("" for all)
// matching sel (nil for all), sorted by namespace and name.
func (s *State) List(resource, namespace string, sel labels.Selector) []*Entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	var out []*Entry
	keep := func(e *Entry) {
		if e.Object == nil || (namespace != "" && e.Namespace != namespace) {
			return
		}
		if sel != nil && !sel.Matches(labels.Set(e.Object.GetLabels())) {
			return
		}
		out = append(out, e)
	}
	if idx, ok := s.labelIndexFor(resource, sel); ok {
		for _, e := range idx {
			keep(e)
		}
	} else if namespace != "" {
		for _, e := range s.objects[resource][namespace] {
			keep(e)
		}
	} else {
		for _, byName := range s.objects[resource] {
			for _, e := range byName {
				keep(e)
			}
		}
	}
	sortEntries(out)
	return out
}

// Objects returns the live objects of a resource in a namespace ("" for
// all), sorted as List: the shape quota counting and admission read.
func (s *State) Objects(resource, namespace string) []events.Object {
	entries := s.List(resource, namespace, nil)
	out := make([]events.Object, len(entries))
	for i, e := range entries {
		out[i] = e.Object
	}
	return out
}

// labelIndexFor narrows a selector to the entries of one equality requirement.
func (s *State) labelIndexFor(resource string, sel labels.Selector) (map[ref]*Entry, bool) {
	if sel == nil {
		return nil, false
	}
	reqs, _ := sel.Requirements()
	for _, r := range reqs {
		op := r.Operator()
		if (op == selection.Equals || op == selection.DoubleEquals || op == selection.In) && r.Values().Len() == 1 {
			return s.byLabel[resource][r.Key()+"="+r.Values().List()[0]], true
		}
	}
	return nil, false
}

// PodsOnNode returns the live pods bound to a node.
func (s *State) PodsOnNode(node string) []*Entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return collect(s.byNode[node])
}

// OwnedBy returns the live objects listing uid among their ownerReferences.
func (s *State) OwnedBy(uid types.UID) []*Entry {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return collect(s.byOwner[uid])
}

func collect(m map[ref]*Entry) []*Entry {
	out := make([]*Entry, 0, len(m))
	for _, e := range m {
		out = append(out, e)
	}
	sortEntries(out)
	return out
}

func sortEntries(es []*Entry) {
	sort.Slice(es, func(i, j int) bool {
		if es[i].Resource != es[j].Resource {
			return es[i].Resource < es[j].Resource
		}
		if es[i].Namespace != es[j].Namespace {
			return es[i].Namespace < es[j].Namespace
		}
		return es[i].Name < es[j].Name
	})
}

// Count returns how many live objects of a resource there are.
func (s *State) Count(resource string) int {
	s.mu.RLock()
	defer s.mu.RUnlock()
	n := 0
	for _, byName := range s.objects[resource] {
		for _, e := range byName {
			if e.Object != nil {
				n++
			}
		}
	}
	return n
}
