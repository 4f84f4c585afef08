package nodelifecycle

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2025, 1, 1, 12, 0, 0, 0, time.UTC)

var cfg = Config{GracePeriod: 40 * time.Second, EvictionTimeout: 300 * time.Second}

func node(ready corev1.ConditionStatus, taints ...corev1.Taint) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1"}}
	hb := metav1.NewTime(t0.Add(-time.Hour))
	for _, typ := range monitored {
		s := corev1.ConditionFalse
		if typ == corev1.NodeReady || ready == corev1.ConditionUnknown {
			s = ready // an Unknown node has every condition Unknown
		}
		n.Status.Conditions = append(n.Status.Conditions, corev1.NodeCondition{Type: typ, Status: s, Reason: "Kubelet", LastHeartbeatTime: hb})
	}
	n.Spec.Taints = taints
	return n
}

func taint(key string, effect corev1.TaintEffect, added time.Time) corev1.Taint {
	t := corev1.Taint{Key: key, Effect: effect}
	if effect == corev1.TaintEffectNoExecute {
		a := metav1.NewTime(added)
		t.TimeAdded = &a
	}
	return t
}

// unreachable is the pair of taints of a node Unknown since added.
func unreachable(added time.Time) []corev1.Taint {
	return []corev1.Taint{taint(corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule, added),
		taint(corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute, added)}
}

type podOpt func(*corev1.Pod)

func pod(name string, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "n1"}}
	p.Status.Phase = corev1.PodRunning
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, Reason: "probe"}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func tolerates(key string, effect corev1.TaintEffect, seconds *int64) podOpt {
	return func(p *corev1.Pod) {
		p.Spec.Tolerations = append(p.Spec.Tolerations, corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists,
			Effect: effect, TolerationSeconds: seconds})
	}
}

func secs(n int64) *int64 { return &n }

func terminating(p *corev1.Pod) {
	ts := metav1.NewTime(t0)
	p.DeletionTimestamp = &ts
}

func onNode(n string) podOpt { return func(p *corev1.Pod) { p.Spec.NodeName = n } }

func unreadyPod(p *corev1.Pod) { p.Status.Conditions[0].Status = corev1.ConditionFalse }

func names(ps []*corev1.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func sameNames(a []string, b ...string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

func TestDecide(t *testing.T) {
	const (
		noExec = corev1.TaintEffectNoExecute
		noSch  = corev1.TaintEffectNoSchedule
	)
	tests := []struct {
		name        string
		node        *corev1.Node
		heartbeat   time.Time // default t0 (fresh)
		pods        []*corev1.Pod
		wantStatus  corev1.ConditionStatus // "" : no status change
		wantTaints  []string               // "key:effect" after; nil: no taint change
		wantUnready []string
		wantEvict   []string
		wantRequeue time.Duration
	}{
		{name: "fresh heartbeat, ready node: look again when it would expire",
			node: node(corev1.ConditionTrue), heartbeat: t0.Add(-10 * time.Second), pods: []*corev1.Pod{pod("a")},
			wantRequeue: 30 * time.Second},
		{name: "heartbeat at the grace period: Unknown, tainted, pods unready, eviction due in 300s",
			node: node(corev1.ConditionTrue), heartbeat: t0.Add(-40 * time.Second), pods: []*corev1.Pod{pod("a"), pod("b")},
			wantStatus:  corev1.ConditionUnknown,
			wantTaints:  []string{"node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"},
			wantUnready: []string{"a", "b"}, wantRequeue: 300 * time.Second},
		{name: "already Unknown and tainted, pods already unready: nothing new until eviction",
			node: node(corev1.ConditionUnknown, unreachable(t0.Add(-100*time.Second))...), heartbeat: t0.Add(-time.Hour),
			pods: []*corev1.Pod{pod("a", unreadyPod)}, wantRequeue: 200 * time.Second},
		{name: "eviction timeout passed: pods without their own toleration go",
			node: node(corev1.ConditionUnknown, unreachable(t0.Add(-300*time.Second))...), heartbeat: t0.Add(-time.Hour),
			pods: []*corev1.Pod{
				pod("plain", unreadyPod),
				pod("longer", unreadyPod, tolerates(corev1.TaintNodeUnreachable, noExec, secs(600))),
				pod("shorter", unreadyPod, tolerates(corev1.TaintNodeUnreachable, noExec, secs(10))),
				pod("forever", unreadyPod, tolerates(corev1.TaintNodeUnreachable, noExec, nil)),
				pod("gone", unreadyPod, terminating),
				pod("elsewhere", unreadyPod, onNode("n2")),
			},
			wantEvict: []string{"plain", "shorter"}, wantRequeue: 300 * time.Second},
		{name: "tolerationSeconds 0 or less leaves at once",
			node: node(corev1.ConditionUnknown, unreachable(t0)...), heartbeat: t0.Add(-time.Hour),
			pods:      []*corev1.Pod{pod("zero", unreadyPod, tolerates(corev1.TaintNodeUnreachable, noExec, secs(0))), pod("neg", unreadyPod, tolerates("", "", secs(-5)))},
			wantEvict: []string{"zero", "neg"}},
		{name: "a NoSchedule toleration does not hold off a NoExecute taint",
			node: node(corev1.ConditionUnknown, unreachable(t0.Add(-300*time.Second))...), heartbeat: t0.Add(-time.Hour),
			pods:      []*corev1.Pod{pod("a", unreadyPod, tolerates(corev1.TaintNodeUnreachable, noSch, nil))},
			wantEvict: []string{"a"}},
		{name: "agent back and Ready: condition taints removed, other taints kept",
			node: node(corev1.ConditionTrue, append(unreachable(t0.Add(-time.Minute)), taint("gpu", noSch, t0))...),
			pods: []*corev1.Pod{pod("a")}, wantTaints: []string{"gpu:NoSchedule"}, wantRequeue: 40 * time.Second},
		{name: "heartbeat fresh but Ready still Unknown: taints stay until the agent reports",
			node: node(corev1.ConditionUnknown, unreachable(t0.Add(-10*time.Second))...),
			pods: []*corev1.Pod{pod("a", unreadyPod)}, wantRequeue: 40 * time.Second},
		{name: "agent reports Ready False: not-ready taints replace unreachable ones, pods unready",
			node: node(corev1.ConditionFalse, unreachable(t0.Add(-10*time.Second))...), pods: []*corev1.Pod{pod("a")},
			wantTaints:  []string{"node.kubernetes.io/not-ready:NoSchedule", "node.kubernetes.io/not-ready:NoExecute"},
			wantUnready: []string{"a"}, wantRequeue: 40 * time.Second},
		{name: "a NoExecute taint of someone else's, not tolerated: evicted at once, even on a Ready node",
			node:      node(corev1.ConditionTrue, taint("dedicated", noExec, t0)),
			pods:      []*corev1.Pod{pod("a"), pod("b", tolerates("dedicated", noExec, secs(60)))},
			wantEvict: []string{"a"}, wantRequeue: 40 * time.Second},
		{name: "node that never reported Ready",
			node: func() *corev1.Node { n := node(corev1.ConditionTrue); n.Status.Conditions = nil; return n }(), heartbeat: t0.Add(-time.Minute),
			wantStatus: corev1.ConditionUnknown,
			wantTaints: []string{"node.kubernetes.io/unreachable:NoSchedule", "node.kubernetes.io/unreachable:NoExecute"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			hb := tc.heartbeat
			if hb.IsZero() {
				hb = t0
			}
			res := Decide(cfg, Input{Node: tc.node, Heartbeat: hb, Pods: tc.pods, Now: t0})
			switch {
			case tc.wantStatus == "" && res.Status != nil:
				t.Fatalf("status changed: %+v", res.Status.Status.Conditions)
			case tc.wantStatus != "" && (res.Status == nil || readyStatus(res.Status) != tc.wantStatus):
				t.Fatalf("status %v, want Ready %s", res.Status, tc.wantStatus)
			}
			switch {
			case tc.wantTaints == nil && res.Taints != nil:
				t.Fatalf("taints changed to %v", res.Taints.Spec.Taints)
			case tc.wantTaints != nil:
				if res.Taints == nil {
					t.Fatal("taints unchanged")
				}
				var got []string
				for _, tt := range res.Taints.Spec.Taints {
					got = append(got, tt.Key+":"+string(tt.Effect))
				}
				if !sameNames(got, tc.wantTaints...) {
					t.Fatalf("taints %v, want %v", got, tc.wantTaints)
				}
				if res.Status != nil && readyStatus(res.Taints) != readyStatus(res.Status) {
					t.Fatal("the taint write does not carry the status write")
				}
			}
			if got := names(res.Unready); !sameNames(got, tc.wantUnready...) {
				t.Fatalf("unready %v, want %v", got, tc.wantUnready)
			}
			if got := names(res.Evict); !sameNames(got, tc.wantEvict...) {
				t.Fatalf("evict %v, want %v", got, tc.wantEvict)
			}
			if res.Requeue != tc.wantRequeue {
				t.Fatalf("requeue %v, want %v", res.Requeue, tc.wantRequeue)
			}
		})
	}
}

// TestUnknownConditions: every monitored condition turns Unknown with
// Kubernetes' reason and message; heartbeats stay, transitions move.
func TestUnknownConditions(t *testing.T) {
	n := node(corev1.ConditionTrue)
	res := Decide(cfg, Input{Node: n, Heartbeat: t0.Add(-time.Minute), Now: t0})
	if res.Status == nil || res.Status == n {
		t.Fatal("no status copy")
	}
	for _, c := range res.Status.Status.Conditions {
		if c.Status != corev1.ConditionUnknown || c.Reason != "NodeStatusUnknown" || c.Message != "Kubelet stopped posting node status." {
			t.Fatalf("condition %+v", c)
		}
		if !c.LastTransitionTime.Time.Equal(t0) || !c.LastHeartbeatTime.Time.Equal(t0.Add(-time.Hour)) {
			t.Fatalf("times of %s: transition %v heartbeat %v", c.Type, c.LastTransitionTime, c.LastHeartbeatTime)
		}
	}
	if n.Status.Conditions[0].Status != corev1.ConditionTrue || len(n.Spec.Taints) != 0 {
		t.Fatal("input node changed")
	}
	for _, tt := range res.Taints.Spec.Taints {
		if tt.Effect == corev1.TaintEffectNoExecute && (tt.TimeAdded == nil || !tt.TimeAdded.Time.Equal(t0)) {
			t.Fatalf("NoExecute taint added at %v, want %v", tt.TimeAdded, t0)
		}
	}
}

// TestEvictedPodsCarryNodeLost: pods evicted from an unreachable node say so.
func TestEvictedPodsCarryNodeLost(t *testing.T) {
	p := pod("web-1", unreadyPod)
	res := Decide(cfg, Input{Node: node(corev1.ConditionUnknown, unreachable(t0.Add(-time.Hour))...), Heartbeat: t0.Add(-time.Hour),
		Pods: []*corev1.Pod{p}, Now: t0})
	if len(res.Evict) != 1 {
		t.Fatalf("evict %v", names(res.Evict))
	}
	e := res.Evict[0]
	if e.Status.Reason != "NodeLost" || e.Status.Message != "Node n1 which was running pod web-1 is unresponsive" || p.Status.Reason != "" {
		t.Fatalf("evicted status reason %q message %q (input %q)", e.Status.Reason, e.Status.Message, p.Status.Reason)
	}
	u, _ := markPodUnready(pod("x"), t0)
	if c := u.Status.Conditions[0]; c.Status != corev1.ConditionFalse || c.Reason != "probe" || !c.LastTransitionTime.Time.Equal(t0) {
		t.Fatalf("unready condition %+v", c)
	}
}

func TestDefaults(t *testing.T) {
	c := Config{}.WithDefaults()
	if c.GracePeriod != 40*time.Second || c.EvictionTimeout != 5*time.Minute {
		t.Fatalf("defaults %+v", c)
	}
}
