package daemon

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func daemonSet(mods ...func(*appsv1.DaemonSet)) *appsv1.DaemonSet {
	lbl := map[string]string{"app": "agent"}
	one := intstr.FromInt32(1)
	ds := &appsv1.DaemonSet{
		ObjectMeta: metav1.ObjectMeta{Name: "agent", Namespace: "kube", UID: "ds-uid", Generation: 2, ResourceVersion: "10"},
		Spec: appsv1.DaemonSetSpec{
			Selector: &metav1.LabelSelector{MatchLabels: lbl},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}},
			UpdateStrategy: appsv1.DaemonSetUpdateStrategy{Type: appsv1.RollingUpdateDaemonSetStrategyType,
				RollingUpdate: &appsv1.RollingUpdateDaemonSet{MaxUnavailable: &one}},
		},
	}
	for _, m := range mods {
		m(ds)
	}
	return ds
}

func node(name string, mods ...func(*corev1.Node)) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: map[string]string{"kubernetes.io/hostname": name}},
		Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}}}
	for _, m := range mods {
		m(n)
	}
	return n
}

func labelled(k, v string) func(*corev1.Node) { return func(n *corev1.Node) { n.Labels[k] = v } }

func tainted(key string, effect corev1.TaintEffect) func(*corev1.Node) {
	return func(n *corev1.Node) { n.Spec.Taints = append(n.Spec.Taints, corev1.Taint{Key: key, Effect: effect}) }
}

func notReady(n *corev1.Node) { n.Status.Conditions[0].Status = corev1.ConditionFalse }

func cordoned(n *corev1.Node) { n.Spec.Unschedulable = true }

// daemonPod is a pod of ds on a node: current (or old) template, ready or
// not, created age ago.
func daemonPod(ds *appsv1.DaemonSet, name, onNode string, current, ready bool, age time.Duration) *corev1.Pod {
	hash := Hash(ds)
	if !current {
		hash = "old"
	}
	p := workload.NewPod(&ds.Spec.Template, ds.Namespace, name, "agent-", workload.ControllerRef(Kind, ds))
	p.Labels[RevisionHashLabel] = hash
	p.CreationTimestamp = metav1.NewTime(t0.Add(-age))
	p.ResourceVersion = "5"
	pinToNode(&p.Spec, onNode)
	p.Spec.NodeName = onNode
	p.Status.Phase = corev1.PodRunning
	if ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(t0.Add(-age))}}
	}
	return p
}

// summary renders a decision's pod changes as "create@node" and
// "delete:name" (sorted) and "update:name", for compact expectations.
func summary(res workload.Result) string {
	var out []string
	for _, c := range res.Changes {
		if c.Resource != podsResource {
			continue
		}
		p := c.Object.(*corev1.Pod)
		switch c.Action {
		case workload.Create:
			out = append(out, "create@"+TargetNode(p))
		case workload.Delete:
			out = append(out, "delete:"+p.Name)
		default:
			out = append(out, fmt.Sprintf("%s:%s", c.Action, p.Name))
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func statusOf(res workload.Result) *appsv1.DaemonSetStatus {
	for _, c := range res.Changes {
		if c.Action == workload.Status {
			return &c.Object.(*appsv1.DaemonSet).Status
		}
	}
	return nil
}

func counter() func(string) string {
	n := 0
	return func(base string) string { n++; return fmt.Sprintf("%s%d", base, n) }
}
