package placement

import (
	"errors"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestSchedule(t *testing.T) {
	tests := []struct {
		name    string
		pod     *corev1.Pod
		nodes   []*NodeInfo
		want    string // chosen node
		wantMsg string // else the FitError message
	}{
		{name: "no nodes", pod: pod("a"), wantMsg: "no nodes available to schedule pods"},
		{name: "only pods on unknown nodes", pod: pod("a"), nodes: infos(NewNodeInfo(nil)), wantMsg: "no nodes available to schedule pods"},
		{name: "single ready node", pod: pod("a"), nodes: infos(info(node("n1"))), want: "n1"},
		{name: "not ready node skipped", pod: pod("a"), nodes: infos(info(node("n1", notReady)), info(node("n2"))), want: "n2"},
		{name: "one reason per node, counted", pod: pod("a", selector("zone", "a")),
			nodes:   infos(info(node("n1", labelled("zone", "b"))), info(node("n2")), info(node("n3", cordoned))),
			wantMsg: "0/3 nodes are available: 1 node(s) were unschedulable, 2 node(s) didn't match Pod's node affinity/selector."},
		{name: "reasons sorted as kube-scheduler sorts them", pod: pod("a", requests("2", ""), selector("zone", "a")),
			nodes: infos(
				info(node("n1", alloc("1", "", ""), labelled("zone", "a"))),
				info(node("n2", alloc("1", "", ""), labelled("zone", "a"))),
				info(node("n3", labelled("zone", "b")))),
			wantMsg: "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu."},
		{name: "a node short of two resources counts in both", pod: pod("a", requests("2", "2Gi")),
			nodes:   infos(info(node("n1", alloc("1", "1Gi", ""))), info(node("n2", alloc("4", "1Gi", "")))),
			wantMsg: "0/2 nodes are available: 1 Insufficient cpu, 2 Insufficient memory."},
		{name: "cpu fits minus bound requests", pod: pod("a", requests("500m", "")),
			nodes: infos(
				info(node("n1", alloc("1", "1Gi", "")), pods(1, requests("600m", ""))),
				info(node("n2", alloc("1", "1Gi", "")), pods(1, requests("500m", "")))),
			want: "n2"},
		{name: "least allocated by requested fraction", pod: pod("a", requests("100m", "")),
			nodes: infos(
				info(node("n1", alloc("1", "", "")), pods(1, requests("800m", ""))),
				info(node("n2", alloc("4", "", "")), pods(1, requests("800m", "")))),
			want: "n2"},
		{name: "pods without requests count at the scoring defaults", pod: pod("a"),
			nodes: infos(info(node("n1", alloc("4", "8Gi", "")), pods(5)), info(node("n2", alloc("4", "8Gi", "")), pods(2))),
			want:  "n2"},
		{name: "node offering no cpu or memory ranked by free pod slots", pod: pod("a"),
			nodes: infos(info(node("n1"), pods(2)), info(node("n2"), pods(1))), want: "n2"},
		{name: "spread siblings on equal allocation", pod: pod("a", ownedBy("rs1")),
			nodes: infos(info(node("n1"), pods(1, ownedBy("rs1"))), info(node("n2"), pods(1, ownedBy("rs2")))),
			want:  "n2"},
		{name: "spread outweighs a small allocation gap", pod: pod("a", ownedBy("rs1")),
			nodes: infos(
				info(node("n1", alloc("4", "8Gi", "")), pods(2, ownedBy("rs1"))),
				info(node("n2", alloc("4", "8Gi", "")), pods(3, ownedBy("rs2")))),
			want: "n2"},
		{name: "untolerated PreferNoSchedule taint avoided", pod: pod("a"),
			nodes: infos(info(node("n1", tainted("soft", "", corev1.TaintEffectPreferNoSchedule))), info(node("n2"), pods(3))),
			want:  "n2"},
		{name: "tolerated PreferNoSchedule taint is no penalty", pod: pod("a", tolerating("soft", corev1.TaintEffectPreferNoSchedule)),
			nodes: infos(info(node("n1", tainted("soft", "", corev1.TaintEffectPreferNoSchedule))), info(node("n2"), pods(3))),
			want:  "n1"},
		{name: "NoSchedule toleration does not count for PreferNoSchedule", pod: pod("a", tolerating("soft", corev1.TaintEffectNoSchedule)),
			nodes: infos(info(node("n1", tainted("soft", "", corev1.TaintEffectPreferNoSchedule))), info(node("n2"), pods(3))),
			want:  "n2"},
		{name: "only the feasible nodes are rated", pod: pod("a", selector("zone", "a")),
			nodes: infos(info(node("n1")), info(node("n2", labelled("zone", "a")), pods(20))), want: "n2"},
		{name: "preferred node affinity", pod: pod("a", preferredTerm(10, "disk", "ssd")),
			nodes: infos(info(node("n1"), pods(1)), info(node("n2", labelled("disk", "ssd")), pods(3))), want: "n2"},
		{name: "tie broken by name", pod: pod("a"),
			nodes: infos(info(node("n2")), info(node("n1")), info(node("n3"))), want: "n1"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Schedule(tc.pod, tc.nodes)
			if tc.wantMsg != "" {
				var fit *FitError
				if !errors.As(err, &fit) {
					t.Fatalf("got node %q err %v, want FitError", got, err)
				}
				if err.Error() != tc.wantMsg {
					t.Fatalf("message\n got %q\nwant %q", err.Error(), tc.wantMsg)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("got %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}

// TestScheduleDeterministic: the answer does not depend on the order nodes come in.
func TestScheduleDeterministic(t *testing.T) {
	nodes := infos(info(node("c")), info(node("a")), info(node("b")), info(node("d"), pods(1)))
	for i := range 20 {
		perm := make([]*NodeInfo, len(nodes))
		for j := range nodes {
			perm[j] = nodes[(i+j)%len(nodes)]
		}
		if i%2 == 1 {
			for l, r := 0, len(perm)-1; l < r; l, r = l+1, r-1 {
				perm[l], perm[r] = perm[r], perm[l]
			}
		}
		if got, err := Schedule(pod("x"), perm); err != nil || got != "a" {
			t.Fatalf("permutation %d: got %q %v, want a", i, got, err)
		}
	}
}

// TestScheduleSpreadsReplicas places a controller's replicas one by one.
func TestScheduleSpreadsReplicas(t *testing.T) {
	nodes := infos(info(node("n1", alloc("4", "8Gi", ""))), info(node("n2", alloc("4", "8Gi", ""))), info(node("n3", alloc("4", "8Gi", ""))))
	count := map[string]int{}
	for range 9 {
		p := pod("r", ownedBy("rs"), requests("100m", "128Mi"))
		got, err := Schedule(p, nodes)
		if err != nil {
			t.Fatal(err)
		}
		count[got]++
		for _, n := range nodes {
			if n.Name() == got {
				n.AddPod(Bind(p, got, timeZero))
			}
		}
	}
	for _, n := range []string{"n1", "n2", "n3"} {
		if count[n] != 3 {
			t.Fatalf("spread %v, want 3 per node", count)
		}
	}
}

// TestNodeInfoAddRemove: removing what was added restores the totals, so the
// shell's incremental bookkeeping equals a recount.
func TestNodeInfoAddRemove(t *testing.T) {
	n := NewNodeInfo(node("n", alloc("4", "8Gi", "")))
	empty := n.Clone()
	ps := []*corev1.Pod{
		pod("a", requests("100m", "1Gi"), hostPort(80, "", ""), ownedBy("rs")),
		pod("b", initRequests("2", "", false), ownedBy("rs")),
		pod("c", hostPort(80, "", ""), hostPort(53, corev1.ProtocolUDP, "")),
	}
	for _, p := range ps {
		n.AddPod(p)
	}
	recount := NewNodeInfo(n.Node, ps...)
	if !reflect.DeepEqual(n, recount) {
		t.Fatalf("incremental %+v\n      recount %+v", n, recount)
	}
	if n.Pods != 3 || n.Requested.MilliCPU != 2100 || n.Ports[HostPort{corev1.ProtocolTCP, anyIP, 80}] != 2 || n.PodsOf("rs") != 2 {
		t.Fatalf("totals %+v", n)
	}
	clone := n.Clone()
	for _, p := range ps {
		n.RemovePod(p)
	}
	if !reflect.DeepEqual(n, empty) {
		t.Fatalf("after removing all: %+v, want %+v", n, empty)
	}
	if clone.Pods != 3 || clone.Ports[HostPort{corev1.ProtocolTCP, anyIP, 80}] != 2 {
		t.Fatalf("clone changed with the original: %+v", clone)
	}
}
