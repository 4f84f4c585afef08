package invariants

import (
	"fmt"
	"sort"
)

// Key names one object.
type Key struct{ Resource, Namespace, Name string }

func (k Key) String() string { return k.Resource + "/" + k.Namespace + "/" + k.Name }

// Version is one event of the log as the checker needs it.
type Version struct {
	Key     Key
	RV      uint64 // the event's sequence
	Digest  string // the object's content, resourceVersion aside
	Deleted bool
	UID     string
	Owner   string // the controller owner's UID
	// Pods: the node bound to, and whether the pod runs (phase Running,
	// not terminating).
	NodeName string
	Running  bool
	// Counters (ConfigMaps the workload increments): the value, -1 if none.
	Counter int64
	// Deployments and ReplicaSets: spec.replicas; Deployments: the
	// resolved maxSurge.
	Replicas, MaxSurge int
}

// Ack is a write the API acknowledged, with what it answered.
type Ack struct {
	Key    Key
	RV     uint64
	Digest string
}

// Observation is an object a client was shown at a resourceVersion (a
// response, a get, a watch event).
type Observation struct {
	Key    Key
	RV     uint64
	Digest string
	Via    string
}

// Violation is one broken guarantee.
type Violation struct {
	Invariant string
	Detail    string
}

func (v Violation) String() string { return v.Invariant + ": " + v.Detail }

// History indexes the log's versions by object and by resourceVersion.
type History struct {
	versions []Version // in RV order
	byKey    map[Key][]Version
	byRV     map[uint64]Version
}

// NewHistory indexes versions (in any order).
func NewHistory(vs []Version) *History {
	h := &History{versions: append([]Version(nil), vs...), byKey: map[Key][]Version{}, byRV: map[uint64]Version{}}
	sort.Slice(h.versions, func(i, j int) bool { return h.versions[i].RV < h.versions[j].RV })
	for _, v := range h.versions {
		h.byKey[v.Key] = append(h.byKey[v.Key], v)
		h.byRV[v.RV] = v
	}
	return h
}

// Acknowledged: every acknowledged write is in the log, at its
// resourceVersion, with what the client was answered.
func (h *History) Acknowledged(acks []Ack) []Violation {
	var out []Violation
	for _, a := range acks {
		v, ok := h.byRV[a.RV]
		switch {
		case !ok:
			out = append(out, Violation{"acknowledged write lost", fmt.Sprintf("%s at %d: no event", a.Key, a.RV)})
		case v.Key != a.Key:
			out = append(out, Violation{"acknowledged write lost", fmt.Sprintf("%s at %d: the log has %s there", a.Key, a.RV, v.Key)})
		case v.Digest != a.Digest:
			out = append(out, Violation{"acknowledged write lost", fmt.Sprintf("%s at %d: the log holds other content", a.Key, a.RV)})
		}
	}
	return out
}

// OneValuePerRV: whatever a client was shown of an object at a
// resourceVersion is what the log holds there.
func (h *History) OneValuePerRV(obs []Observation) []Violation {
	var out []Violation
	for _, o := range obs {
		v, ok := h.byRV[o.RV]
		if !ok || v.Key != o.Key {
			out = append(out, Violation{"two values at one resourceVersion", fmt.Sprintf("%s at %d (%s): not in the log", o.Key, o.RV, o.Via)})
			continue
		}
		if v.Digest != o.Digest {
			out = append(out, Violation{"two values at one resourceVersion", fmt.Sprintf("%s at %d (%s): differs from the log", o.Key, o.RV, o.Via)})
		}
	}
	return out
}

// Counter is what the clients of one counter were told: increments
// acknowledged, and those whose outcome is unknown (a timeout, a 5xx).
type Counter struct {
	Acked, Indeterminate int
}

// Counters: no update is lost. Every version of a counter in the log is the
// one before plus one (an increment is a CAS from a read value, so a lost
// update shows as a repeated or skipped value), and the final value counts
// every acknowledged increment and no more than those plus the unknown ones.
func (h *History) Counters(counters map[Key]Counter) []Violation {
	var out []Violation
	keys := make([]Key, 0, len(counters))
	for k := range counters {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
	for _, k := range keys {
		c := counters[k]
		var vs []Version
		for _, v := range h.byKey[k] {
			if !v.Deleted {
				vs = append(vs, v)
			}
		}
		if len(vs) == 0 {
			out = append(out, Violation{"lost update", fmt.Sprintf("%s: not in the log", k)})
			continue
		}
		for i := 1; i < len(vs); i++ {
			if vs[i].Counter != vs[i-1].Counter+1 {
				out = append(out, Violation{"lost update", fmt.Sprintf("%s at %d: %d after %d", k, vs[i].RV, vs[i].Counter, vs[i-1].Counter)})
			}
		}
		final := vs[len(vs)-1].Counter - vs[0].Counter
		if final < int64(c.Acked) || final > int64(c.Acked+c.Indeterminate) {
			out = append(out, Violation{"lost update", fmt.Sprintf("%s: %d increments in the log, %d acknowledged, %d unknown", k, final, c.Acked, c.Indeterminate)})
		}
	}
	return out
}

// Delivery is what one watch delivered of one object, in order, from a
// watch opened after resourceVersion From, up to resourceVersion To.
type Delivery struct {
	Key      Key
	From, To uint64
	RVs      []uint64
}

// Watches: a watch delivers every version of its objects after the one it
// started from, in order, with no gap and no duplicate. Up to To (where the
// clients stopped writing) it must be exactly the log's; past To (a write
// whose client gave up landing late) what it delivers must still be the
// log's versions, in order.
func (h *History) Watches(ds []Delivery) []Violation {
	var out []Violation
	for _, d := range ds {
		var want, later []uint64
		for _, v := range h.byKey[d.Key] {
			switch {
			case v.RV > d.To:
				later = append(later, v.RV)
			case v.RV > d.From:
				want = append(want, v.RV)
			}
		}
		got := d.RVs
		cut := len(got)
		for cut > 0 && got[cut-1] > d.To {
			cut--
		}
		if i, ok := firstDifference(got[:cut], want); !ok {
			out = append(out, Violation{"watch gap or duplicate", fmt.Sprintf("%s after %d: delivered %d events, the log has %d; the first difference at the %d-th: delivered %v, the log %v",
				d.Key, d.From, cut, len(want), i+1, at(got, i), at(want, i))})
			continue
		}
		if n := len(got) - cut; n > len(later) || !slicesEqual(got[cut:], later[:n]) {
			out = append(out, Violation{"watch gap or duplicate", fmt.Sprintf("%s after %d: past %d delivered %v, the log has %v", d.Key, d.From, d.To, got[cut:], later)})
		}
	}
	return out
}

func slicesEqual(a, b []uint64) bool { _, ok := firstDifference(a, b); return ok }

// firstDifference is where a and b first differ, and whether they are equal.
func firstDifference(a, b []uint64) (int, bool) {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i, false
		}
	}
	return min(len(a), len(b)), len(a) == len(b)
}

// at is s[i] as a word: "none" past the end.
func at(s []uint64, i int) string {
	if i < len(s) {
		return fmt.Sprint(s[i])
	}
	return "none"
}
