package invariants

import (
	"strings"
	"testing"
)

var (
	cm  = Key{"configmaps", "chaos", "c"}
	cm2 = Key{"configmaps", "chaos", "d"}
)

func counterAt(k Key, rv uint64, n int64) Version {
	return Version{Key: k, RV: rv, Digest: string(rune('a' + n)), Counter: n}
}

// violations runs one check and returns the invariants it reported.
func invariantsOf(vs []Violation) string {
	var names []string
	for _, v := range vs {
		names = append(names, v.Invariant)
	}
	return strings.Join(names, ",")
}

func TestChecks(t *testing.T) {
	log := []Version{counterAt(cm, 3, 0), counterAt(cm, 5, 1), counterAt(cm2, 6, 0), counterAt(cm, 8, 2)}
	cases := []struct {
		name  string
		log   []Version
		check func(h *History) []Violation
		want  string
	}{
		{"acked and present", log, func(h *History) []Violation {
			return h.Acknowledged([]Ack{{cm, 5, "b"}, {cm, 8, "c"}})
		}, ""},
		{"acked, not in the log", log, func(h *History) []Violation {
			return h.Acknowledged([]Ack{{cm, 9, "d"}})
		}, "acknowledged write lost"},
		{"acked, another object at its RV", log, func(h *History) []Violation {
			return h.Acknowledged([]Ack{{cm, 6, "a"}})
		}, "acknowledged write lost"},
		{"acked, other content", log, func(h *History) []Violation {
			return h.Acknowledged([]Ack{{cm, 5, "z"}})
		}, "acknowledged write lost"},
		{"observations agree", log, func(h *History) []Violation {
			return h.OneValuePerRV([]Observation{{cm, 3, "a", "get"}, {cm2, 6, "a", "watch"}})
		}, ""},
		{"an observation differs", log, func(h *History) []Violation {
			return h.OneValuePerRV([]Observation{{cm, 3, "b", "get"}})
		}, "two values at one resourceVersion"},
		{"counter exact", log, func(h *History) []Violation {
			return h.Counters(map[Key]Counter{cm: {Acked: 2}, cm2: {}})
		}, ""},
		{"counter with an unknown outcome applied", log, func(h *History) []Violation {
			return h.Counters(map[Key]Counter{cm: {Acked: 1, Indeterminate: 1}})
		}, ""},
		{"counter lost an acknowledged increment", log, func(h *History) []Violation {
			return h.Counters(map[Key]Counter{cm: {Acked: 3}})
		}, "lost update"},
		{"counter value repeated", []Version{counterAt(cm, 3, 0), counterAt(cm, 5, 1), counterAt(cm, 8, 1)}, func(h *History) []Violation {
			return h.Counters(map[Key]Counter{cm: {Acked: 1, Indeterminate: 1}})
		}, "lost update"},
		{"counter deleted afterwards", append(append([]Version(nil), log...), Version{Key: cm, RV: 9, Deleted: true, Counter: -1}), func(h *History) []Violation {
			return h.Counters(map[Key]Counter{cm: {Acked: 2}})
		}, ""},
		{"watch complete", log, func(h *History) []Violation {
			return h.Watches([]Delivery{{Key: cm, From: 3, To: 8, RVs: []uint64{5, 8}}})
		}, ""},
		{"watch past its end, as the log", log, func(h *History) []Violation {
			return h.Watches([]Delivery{{Key: cm, From: 3, To: 5, RVs: []uint64{5, 8}}})
		}, ""},
		{"watch past its end, a duplicate", log, func(h *History) []Violation {
			return h.Watches([]Delivery{{Key: cm, From: 3, To: 5, RVs: []uint64{5, 8, 8}}})
		}, "watch gap or duplicate"},
		{"watch gap", log, func(h *History) []Violation {
			return h.Watches([]Delivery{{Key: cm, From: 3, To: 8, RVs: []uint64{8}}})
		}, "watch gap or duplicate"},
		{"watch duplicate", log, func(h *History) []Violation {
			return h.Watches([]Delivery{{Key: cm, From: 3, To: 8, RVs: []uint64{5, 5, 8}}})
		}, "watch gap or duplicate"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := invariantsOf(c.check(NewHistory(c.log))); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}

func pod(name string, rv uint64, owner, node string, running bool) Version {
	return Version{Key: Key{"pods", "default", name}, RV: rv, UID: "uid-" + name, Owner: owner, NodeName: node, Running: running}
}

func TestPodChecks(t *testing.T) {
	deploy := Version{Key: Key{"deployments", "default", "hello"}, RV: 1, UID: "d", Replicas: 2, MaxSurge: 1}
	rsOld := Version{Key: Key{"replicasets", "default", "hello-1"}, RV: 2, UID: "rs1", Owner: "d", Replicas: 2}
	rsNew := Version{Key: Key{"replicasets", "default", "hello-2"}, RV: 3, UID: "rs2", Owner: "d", Replicas: 1}
	base := []Version{deploy, rsOld, rsNew, pod("a", 4, "rs1", "n1", true), pod("b", 5, "rs1", "n2", true)}
	cases := []struct {
		name  string
		extra []Version
		want  string
	}{
		{"surge within bounds", []Version{pod("c", 6, "rs2", "", true), pod("a", 7, "rs1", "n1", false), pod("d", 8, "rs2", "", true)}, ""},
		{"one pod too many", []Version{pod("c", 6, "rs2", "", true), pod("d", 7, "rs2", "", true)}, "more pods than replicas + maxSurge"},
		{"ReplicaSets want too many", []Version{{Key: Key{"replicasets", "default", "hello-2"}, RV: 6, UID: "rs2", Owner: "d", Replicas: 2}}, "more pods than replicas + maxSurge"},
		{"scaled down, then up", []Version{{Key: Key{"replicasets", "default", "hello-1"}, RV: 6, UID: "rs1", Owner: "d", Replicas: 1},
			{Key: Key{"replicasets", "default", "hello-2"}, RV: 7, UID: "rs2", Owner: "d", Replicas: 2}}, ""},
		{"pending pods do not run", []Version{pod("c", 6, "rs2", "", true), pod("d", 7, "rs2", "", false)}, ""},
		{"terminating pods do not count", []Version{pod("a", 6, "rs1", "n1", false), pod("b", 7, "rs1", "n2", false),
			pod("c", 8, "rs2", "", true), pod("d", 9, "rs2", "", true), pod("e", 10, "rs2", "", true)}, ""},
		{"deleted pods do not count", []Version{{Key: Key{"pods", "default", "a"}, RV: 6, UID: "uid-a", Deleted: true},
			pod("c", 7, "rs2", "", true), pod("d", 8, "rs2", "", true)}, ""},
		{"bound once, then scheduled", []Version{pod("c", 6, "rs2", "", false), pod("c", 7, "rs2", "n3", false)}, ""},
		{"bound twice", []Version{pod("a", 6, "rs1", "n3", true)}, "pod bound twice"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			h := NewHistory(append(append([]Version(nil), base...), c.extra...))
			if got := invariantsOf(append(h.Surge(0), h.BoundOnce(0)...)); got != c.want {
				t.Fatalf("got %q, want %q", got, c.want)
			}
		})
	}
}
