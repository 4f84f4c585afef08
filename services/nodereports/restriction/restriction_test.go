package restriction

import (
	"errors"
	"testing"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestCheck(t *testing.T) {
	pod := func(node string, mutate ...func(*corev1.Pod)) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", ResourceVersion: "7"},
			Spec: corev1.PodSpec{NodeName: node}}
		for _, m := range mutate {
			m(p)
		}
		return p
	}
	node := func(name string, mutate ...func(*corev1.Node)) *corev1.Node {
		n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"tier": "a"}}}
		for _, m := range mutate {
			m(n)
		}
		return n
	}
	at := metav1.Unix(1700000000, 0)
	deleting := func(p *corev1.Pod) { p.DeletionTimestamp = &at }
	running := func(p *corev1.Pod) { p.Status.Phase = corev1.PodRunning; p.ResourceVersion = "" }
	cases := []struct {
		name string
		r    Report
		ok   bool
	}{
		{"own pod's status", Report{Node: "n1", Resource: "pods", Change: "running", Object: pod("n1", running), Stored: pod("n1")}, true},
		{"another node's pod", Report{Node: "n1", Resource: "pods", Change: "running", Object: pod("n2", running), Stored: pod("n2")}, false},
		{"a pod claimed by the report only", Report{Node: "n1", Resource: "pods", Change: "running", Object: pod("n1", running), Stored: pod("n2")}, false},
		{"a pod that does not exist", Report{Node: "n1", Resource: "pods", Change: "running", Object: pod("n1")}, false},
		{"a pod's spec", Report{Node: "n1", Resource: "pods", Change: "status", Object: pod("n1", func(p *corev1.Pod) { p.Spec.Hostname = "x" }), Stored: pod("n1")}, false},
		{"a pod's labels", Report{Node: "n1", Resource: "pods", Change: "status", Object: pod("n1", func(p *corev1.Pod) { p.Labels = map[string]string{"a": "b"} }), Stored: pod("n1")}, false},
		{"creating a pod", Report{Node: "n1", Resource: "pods", Change: events.Created, Object: pod("n1"), Stored: pod("n1")}, false},
		{"finishing a deletion", Report{Node: "n1", Resource: "pods", Change: events.Deleted, Object: pod("n1", deleting), Stored: pod("n1", deleting)}, true},
		{"deleting a live pod", Report{Node: "n1", Resource: "pods", Change: events.Deleted, Object: pod("n1"), Stored: pod("n1")}, false},
		{"registering itself", Report{Node: "n1", Resource: "nodes", Change: events.Created, Object: node("n1")}, true},
		{"registering another", Report{Node: "n1", Resource: "nodes", Change: events.Created, Object: node("n2")}, false},
		{"its own status and labels", Report{Node: "n1", Resource: "nodes", Change: events.Updated, Object: node("n1", func(n *corev1.Node) { n.Labels["tier"] = "b" }), Stored: node("n1")}, true},
		{"its taints", Report{Node: "n1", Resource: "nodes", Change: events.StatusChange, Object: node("n1"), Stored: node("n1", func(n *corev1.Node) {
			n.Spec.Taints = []corev1.Taint{{Key: "node.kubernetes.io/unreachable", Effect: corev1.TaintEffectNoExecute}}
		})}, false},
		{"a restricted label", Report{Node: "n1", Resource: "nodes", Change: events.Updated, Object: node("n1", func(n *corev1.Node) {
			n.Labels["node-restriction.kubernetes.io/secure"] = "true"
		}), Stored: node("n1")}, false},
		{"registering with a restricted label", Report{Node: "n1", Resource: "nodes", Change: events.Created, Object: node("n1", func(n *corev1.Node) {
			n.Labels["node-restriction.kubernetes.io/secure"] = "true"
		})}, false},
		{"registering as being deleted", Report{Node: "n1", Resource: "nodes", Change: events.Created, Object: node("n1", func(n *corev1.Node) {
			n.Finalizers = []string{"x"}
		})}, false},
		{"changing its uid", Report{Node: "n1", Resource: "nodes", Change: events.StatusChange, Object: node("n1", func(n *corev1.Node) {
			n.UID = "other"
		}), Stored: node("n1")}, false},
		{"deleting itself", Report{Node: "n1", Resource: "nodes", Change: events.Deleted, Object: node("n1"), Stored: node("n1")}, false},
		{"any other resource", Report{Node: "n1", Resource: "deployments", Change: events.Deleted, Object: pod("n1")}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := Check(c.r)
			if c.ok && err != nil {
				t.Fatalf("refused: %v", err)
			}
			if !c.ok && !errors.Is(err, events.ErrReportRejected) {
				t.Fatalf("allowed (%v)", err)
			}
		})
	}
}
