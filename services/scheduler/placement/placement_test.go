package placement

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

type nodeOpt func(*corev1.Node)

func node(name string, opts ...nodeOpt) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name}}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	for _, o := range opts {
		o(n)
	}
	return n
}

func notReady(n *corev1.Node) { n.Status.Conditions[0].Status = corev1.ConditionFalse }
func cordoned(n *corev1.Node) { n.Spec.Unschedulable = true }
func labelled(k, v string) nodeOpt {
	return func(n *corev1.Node) { n.Labels = map[string]string{k: v} }
}
func tainted(k, v string, e corev1.TaintEffect) nodeOpt {
	return func(n *corev1.Node) { n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: k, Value: v, Effect: e}) }
}
func alloc(cpu, mem, pods string) nodeOpt {
	return func(n *corev1.Node) {
		n.Status.Allocatable = corev1.ResourceList{}
		if cpu != "" {
			n.Status.Allocatable[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			n.Status.Allocatable[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		if pods != "" {
			n.Status.Allocatable[corev1.ResourcePods] = resource.MustParse(pods)
		}
	}
}

type podOpt func(*corev1.Pod)

func pod(name string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
	p.Spec.Containers = []corev1.Container{{Name: "c"}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func requests(cpu, mem string) podOpt {
	return func(p *corev1.Pod) {
		r := corev1.ResourceList{}
		if cpu != "" {
			r[corev1.ResourceCPU] = resource.MustParse(cpu)
		}
		if mem != "" {
			r[corev1.ResourceMemory] = resource.MustParse(mem)
		}
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: "r", Resources: corev1.ResourceRequirements{Requests: r}})
	}
}

func selector(k, v string) podOpt {
	return func(p *corev1.Pod) { p.Spec.NodeSelector = map[string]string{k: v} }
}

func ownedBy(uid string) podOpt {
	return func(p *corev1.Pod) {
		yes := true
		p.OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "rs-" + uid, UID: types.UID(uid), Controller: &yes}}
	}
}

func phase(ph corev1.PodPhase) podOpt { return func(p *corev1.Pod) { p.Status.Phase = ph } }

func tolerating(k string, e corev1.TaintEffect) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: k, Operator: corev1.TolerationOpExists, Effect: e})
	}
}

func pods(n int, opts ...podOpt) []*corev1.Pod {
	out := make([]*corev1.Pod, n)
	for i := range out {
		out[i] = pod("p", opts...)
	}
	return out
}

func TestSchedule(t *testing.T) {
	tests := []struct {
		name    string
		pod     *corev1.Pod
		nodes   []NodeInfo
		want    string // chosen node
		wantMsg string // else the FitError message
	}{
		{name: "no nodes", pod: pod("a"), wantMsg: "no nodes available to schedule pods"},
		{name: "single ready node", pod: pod("a"), nodes: []NodeInfo{{Node: node("n1")}}, want: "n1"},
		{name: "not ready node skipped", pod: pod("a"),
			nodes: []NodeInfo{{Node: node("n1", notReady)}, {Node: node("n2")}}, want: "n2"},
		{name: "node without Ready condition is not ready", pod: pod("a"),
			nodes:   []NodeInfo{{Node: &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}}},
			wantMsg: "0/1 nodes are available: 1 node(s) had untolerated taint {node.kubernetes.io/not-ready: }."},
		{name: "unschedulable node skipped", pod: pod("a"),
			nodes:   []NodeInfo{{Node: node("n1", cordoned)}},
			wantMsg: "0/1 nodes are available: 1 node(s) were unschedulable."},
		{name: "unschedulable tolerated", pod: pod("a", tolerating(corev1.TaintNodeUnschedulable, corev1.TaintEffectNoSchedule)),
			nodes: []NodeInfo{{Node: node("n1", cordoned)}}, want: "n1"},
		{name: "taint not tolerated", pod: pod("a"),
			nodes:   []NodeInfo{{Node: node("n1", tainted("gpu", "yes", corev1.TaintEffectNoSchedule))}},
			wantMsg: "0/1 nodes are available: 1 node(s) had untolerated taint {gpu: yes}."},
		{name: "taint tolerated", pod: pod("a", tolerating("gpu", "")),
			nodes: []NodeInfo{{Node: node("n1", tainted("gpu", "yes", corev1.TaintEffectNoSchedule))}}, want: "n1"},
		{name: "PreferNoSchedule does not filter", pod: pod("a"),
			nodes: []NodeInfo{{Node: node("n1", tainted("soft", "", corev1.TaintEffectPreferNoSchedule))}}, want: "n1"},
		{name: "nodeSelector matches", pod: pod("a", selector("disk", "ssd")),
			nodes: []NodeInfo{{Node: node("n1", labelled("disk", "hdd"))}, {Node: node("n2", labelled("disk", "ssd"))}}, want: "n2"},
		{name: "nodeSelector matches none", pod: pod("a", selector("disk", "ssd")),
			nodes:   []NodeInfo{{Node: node("n1", labelled("disk", "hdd"))}, {Node: node("n2")}},
			wantMsg: "0/2 nodes are available: 2 node(s) didn't match Pod's node affinity/selector."},
		{name: "pod count at allocatable", pod: pod("a"),
			nodes:   []NodeInfo{{Node: node("n1", alloc("", "", "2")), Pods: pods(2)}},
			wantMsg: "0/1 nodes are available: 1 Too many pods."},
		{name: "default 110 pods", pod: pod("a"),
			nodes: []NodeInfo{{Node: node("n1"), Pods: pods(110)}, {Node: node("n2"), Pods: pods(109)}},
			want:  "n2"},
		{name: "finished pods free their slot", pod: pod("a"),
			nodes: []NodeInfo{{Node: node("n1", alloc("", "", "1")), Pods: pods(3, phase(corev1.PodSucceeded))}}, want: "n1"},
		{name: "cpu fits minus bound requests", pod: pod("a", requests("500m", "")),
			nodes: []NodeInfo{
				{Node: node("n1", alloc("1", "1Gi", "")), Pods: pods(1, requests("600m", ""))},
				{Node: node("n2", alloc("1", "1Gi", "")), Pods: pods(1, requests("500m", ""))},
			}, want: "n2"},
		{name: "insufficient cpu and memory both reported", pod: pod("a", requests("2", "2Gi")),
			nodes:   []NodeInfo{{Node: node("n1", alloc("1", "1Gi", ""))}},
			wantMsg: "0/1 nodes are available: 1 Insufficient cpu, 1 Insufficient memory."},
		{name: "containers without requests count zero", pod: pod("a"),
			nodes: []NodeInfo{{Node: node("n1", alloc("0", "0", "")), Pods: pods(3)}}, want: "n1"},
		{name: "mixed reasons counted and sorted like Kubernetes", pod: pod("a", requests("2", ""), selector("zone", "a")),
			nodes: []NodeInfo{
				{Node: node("n1", alloc("1", "", ""), labelled("zone", "a"))},
				{Node: node("n2", alloc("1", "", ""), labelled("zone", "a"))},
				{Node: node("n3", labelled("zone", "b"))},
			},
			wantMsg: "0/3 nodes are available: 1 node(s) didn't match Pod's node affinity/selector, 2 Insufficient cpu."},
		{name: "least allocated by pod count", pod: pod("a"),
			nodes: []NodeInfo{{Node: node("n1"), Pods: pods(2)}, {Node: node("n2"), Pods: pods(1)}}, want: "n2"},
		{name: "least allocated by requested fraction", pod: pod("a", requests("100m", "")),
			nodes: []NodeInfo{
				{Node: node("n1", alloc("1", "", "")), Pods: pods(1, requests("800m", ""))},
				{Node: node("n2", alloc("4", "", "")), Pods: pods(1, requests("800m", ""))},
			}, want: "n2"},
		{name: "spread siblings on equal allocation", pod: pod("a", ownedBy("rs1")),
			nodes: []NodeInfo{
				{Node: node("n1"), Pods: pods(1, ownedBy("rs1"))},
				{Node: node("n2"), Pods: pods(1, ownedBy("rs2"))},
			}, want: "n2"},
		{name: "tie broken by name", pod: pod("a"),
			nodes: []NodeInfo{{Node: node("n2")}, {Node: node("n1")}, {Node: node("n3")}}, want: "n1"},
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
	nodes := []NodeInfo{{Node: node("c")}, {Node: node("a")}, {Node: node("b")}, {Node: node("d"), Pods: pods(1)}}
	for i := range 20 {
		perm := make([]NodeInfo, len(nodes))
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
	infos := []NodeInfo{{Node: node("n1")}, {Node: node("n2")}, {Node: node("n3")}}
	count := map[string]int{}
	for range 9 {
		p := pod("r", ownedBy("rs"))
		got, err := Schedule(p, infos)
		if err != nil {
			t.Fatal(err)
		}
		count[got]++
		for i := range infos {
			if infos[i].Node.Name == got {
				infos[i].Pods = append(infos[i].Pods, Bind(p, got, timeZero))
			}
		}
	}
	for _, n := range []string{"n1", "n2", "n3"} {
		if count[n] != 3 {
			t.Fatalf("spread %v, want 3 per node", count)
		}
	}
}

func TestPodRequests(t *testing.T) {
	tests := []struct {
		name string
		pod  *corev1.Pod
		want Requests
	}{
		{"none", pod("a"), Requests{}},
		{"summed containers", pod("a", requests("100m", "64Mi"), requests("200m", "")), Requests{MilliCPU: 300, Memory: 64 << 20}},
		{"init container larger", func() *corev1.Pod {
			p := pod("a", requests("100m", ""))
			p.Spec.InitContainers = []corev1.Container{{Name: "i", Resources: corev1.ResourceRequirements{
				Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1")}}}}
			return p
		}(), Requests{MilliCPU: 1000}},
		{"overhead added", func() *corev1.Pod {
			p := pod("a", requests("100m", ""))
			p.Spec.Overhead = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("50m")}
			return p
		}(), Requests{MilliCPU: 150}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := PodRequests(tc.pod); got != tc.want {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}
