package daemon

import (
	"testing"
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func withNodeSelector(k, v string) func(*appsv1.DaemonSet) {
	return func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.NodeSelector = map[string]string{k: v} }
}

func withToleration(key string) func(*appsv1.DaemonSet) {
	return func(ds *appsv1.DaemonSet) {
		ds.Spec.Template.Spec.Tolerations = append(ds.Spec.Template.Spec.Tolerations,
			corev1.Toleration{Key: key, Operator: corev1.TolerationOpExists})
	}
}

func TestPlacement(t *testing.T) {
	ds := daemonSet()
	affinity := daemonSet(func(ds *appsv1.DaemonSet) {
		ds.Spec.Template.Spec.Affinity = &corev1.Affinity{NodeAffinity: &corev1.NodeAffinity{
			RequiredDuringSchedulingIgnoredDuringExecution: &corev1.NodeSelector{NodeSelectorTerms: []corev1.NodeSelectorTerm{{
				MatchExpressions: []corev1.NodeSelectorRequirement{{Key: "zone", Operator: corev1.NodeSelectorOpIn, Values: []string{"a"}}}}}}}}
	})
	tests := []struct {
		name  string
		ds    *appsv1.DaemonSet
		nodes []*corev1.Node
		pods  []*corev1.Pod
		want  string
	}{
		{"a pod per node", ds, []*corev1.Node{node("n1"), node("n2")}, nil, "create@n1 create@n2"},
		{"node with its pod", ds, []*corev1.Node{node("n1"), node("n2")}, []*corev1.Pod{daemonPod(ds, "p1", "n1", true, true, time.Hour)}, "create@n2"},
		{"nodeSelector", daemonSet(withNodeSelector("disk", "ssd")), []*corev1.Node{node("n1", labelled("disk", "ssd")), node("n2")}, nil, "create@n1"},
		{"required node affinity", affinity, []*corev1.Node{node("n1", labelled("zone", "b")), node("n2", labelled("zone", "a"))}, nil, "create@n2"},
		{"untolerated NoSchedule taint", ds, []*corev1.Node{node("n1", tainted("gpu", corev1.TaintEffectNoSchedule))}, nil, ""},
		{"tolerated taint", daemonSet(withToleration("gpu")), []*corev1.Node{node("n1", tainted("gpu", corev1.TaintEffectNoSchedule))}, nil, "create@n1"},
		{"PreferNoSchedule is no bar", ds, []*corev1.Node{node("n1", tainted("gpu", corev1.TaintEffectPreferNoSchedule))}, nil, "create@n1"},
		{"not ready node gets none", ds, []*corev1.Node{node("n1", notReady)}, nil, ""},
		{"not ready node keeps its pod", ds, []*corev1.Node{node("n1", notReady)}, []*corev1.Pod{daemonPod(ds, "p1", "n1", true, true, time.Hour)}, ""},
		{"cordoned node still runs daemons", ds, []*corev1.Node{node("n1", cordoned)}, nil, "create@n1"},
		{"template nodeName", daemonSet(func(ds *appsv1.DaemonSet) { ds.Spec.Template.Spec.NodeName = "n2" }),
			[]*corev1.Node{node("n1"), node("n2")}, nil, "create@n2"},
		{"node stops matching", daemonSet(withNodeSelector("disk", "ssd")), []*corev1.Node{node("n1")},
			[]*corev1.Pod{daemonPod(daemonSet(withNodeSelector("disk", "ssd")), "p1", "n1", true, true, time.Hour)}, "delete:p1"},
		{"NoSchedule taint later keeps the pod", ds, []*corev1.Node{node("n1", tainted("gpu", corev1.TaintEffectNoSchedule))},
			[]*corev1.Pod{daemonPod(ds, "p1", "n1", true, true, time.Hour)}, ""},
		{"NoExecute taint evicts", ds, []*corev1.Node{node("n1", tainted("gpu", corev1.TaintEffectNoExecute))},
			[]*corev1.Pod{daemonPod(ds, "p1", "n1", true, true, time.Hour)}, "delete:p1"},
		{"node left", ds, []*corev1.Node{node("n2")}, []*corev1.Pod{daemonPod(ds, "p1", "n1", true, true, time.Hour),
			daemonPod(ds, "p2", "n2", true, true, time.Hour)}, "delete:p1"},
		{"two on a node: the oldest stays", ds, []*corev1.Node{node("n1")}, []*corev1.Pod{daemonPod(ds, "young", "n1", true, true, time.Minute),
			daemonPod(ds, "old", "n1", true, true, time.Hour)}, "delete:young"},
		{"failed pod replaced", ds, []*corev1.Node{node("n1")}, []*corev1.Pod{func() *corev1.Pod {
			p := daemonPod(ds, "p1", "n1", true, false, time.Hour)
			p.Status.Phase = corev1.PodFailed
			return p
		}()}, "create@n1 delete:p1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Decide(Input{DaemonSet: tt.ds, Nodes: tt.nodes, Pods: tt.pods, Now: t0, PodName: counter()})
			if got := summary(res); got != tt.want {
				t.Fatalf("changes %q, want %q", got, tt.want)
			}
		})
	}
}

func TestNewPodIsPinnedAndLabelled(t *testing.T) {
	ds := daemonSet(withToleration(corev1.TaintNodeNotReady), func(ds *appsv1.DaemonSet) {
		// The same toleration as a daemon one is not added twice.
		ds.Spec.Template.Spec.Tolerations = append(ds.Spec.Template.Spec.Tolerations, daemonTolerations[1])
	})
	res := Decide(Input{DaemonSet: ds, Nodes: []*corev1.Node{node("n1")}, Now: t0, PodName: counter()})
	p := res.Changes[0].Object.(*corev1.Pod)
	if p.Name != "agent-1" || p.Labels[RevisionHashLabel] != Hash(ds) || p.Labels[TemplateGenerationLabel] != "2" || p.Labels["app"] != "agent" {
		t.Fatalf("pod %s labels %v", p.Name, p.Labels)
	}
	if ref := metav1.GetControllerOf(p); ref == nil || ref.Kind != "DaemonSet" || ref.APIVersion != "apps/v1" || ref.UID != ds.UID || !*ref.BlockOwnerDeletion {
		t.Fatalf("owner %+v", ref)
	}
	if TargetNode(p) != "n1" || p.Spec.NodeName != "" {
		t.Fatalf("target %q nodeName %q", TargetNode(p), p.Spec.NodeName)
	}
	// The daemon tolerations are added beside the template's own, which
	// has another effect.
	if n := len(p.Spec.Tolerations); n != 7 {
		t.Fatalf("%d tolerations: %+v", n, p.Spec.Tolerations)
	}
	if len(ds.Spec.Template.Spec.Tolerations) != 2 || ds.Spec.Template.Spec.Affinity != nil {
		t.Fatalf("template changed")
	}
}

func TestAdoptAndRelease(t *testing.T) {
	ds := daemonSet()
	stray := daemonPod(ds, "stray", "n1", true, true, time.Hour)
	stray.OwnerReferences = nil
	relabelled := daemonPod(ds, "relabelled", "n2", true, true, time.Hour)
	relabelled.Labels = map[string]string{"app": "other"}
	res := Decide(Input{DaemonSet: ds, Nodes: []*corev1.Node{node("n1"), node("n2")}, Pods: []*corev1.Pod{relabelled},
		Orphans: []*corev1.Pod{stray}, Now: t0, PodName: counter()})
	if got := summary(res); got != "create@n2 updated:relabelled updated:stray" {
		t.Fatalf("changes %q", got)
	}
	for _, c := range res.Changes[:2] {
		p := c.Object.(*corev1.Pod)
		if owned := workload.ControllerUID(p) == ds.UID; owned != (p.Name == "stray") {
			t.Fatalf("%s owned %v", p.Name, owned)
		}
	}
}

func TestRollingUpdate(t *testing.T) {
	nodes := []*corev1.Node{node("n1"), node("n2"), node("n3")}
	pct := func(s string) *intstr.IntOrString { v := intstr.FromString(s); return &v }
	num := func(n int32) *intstr.IntOrString { v := intstr.FromInt32(n); return &v }
	strategy := func(unavailable, surge *intstr.IntOrString) func(*appsv1.DaemonSet) {
		return func(ds *appsv1.DaemonSet) {
			ds.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: unavailable, MaxSurge: surge}
		}
	}
	onDelete := func(ds *appsv1.DaemonSet) {
		ds.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
	}
	type pod struct {
		name, node     string
		current, ready bool
		age            time.Duration
	}
	oldAll := []pod{{"a", "n1", false, true, time.Hour}, {"b", "n2", false, true, time.Hour}, {"c", "n3", false, true, time.Hour}}
	tests := []struct {
		name string
		mods []func(*appsv1.DaemonSet)
		pods []pod
		want string
	}{
		{"maxUnavailable 1 replaces one", nil, oldAll, "delete:a"},
		{"maxUnavailable 2", []func(*appsv1.DaemonSet){strategy(num(2), nil)}, oldAll, "delete:a delete:b"},
		{"percent rounds up", []func(*appsv1.DaemonSet){strategy(pct("10%"), nil)}, oldAll, "delete:a"},
		{"waits while a new pod is unavailable", nil,
			[]pod{{"a", "n1", true, false, time.Minute}, {"b", "n2", false, true, time.Hour}, {"c", "n3", false, true, time.Hour}}, ""},
		{"goes on once it is available", nil,
			[]pod{{"a", "n1", true, true, time.Minute}, {"b", "n2", false, true, time.Hour}, {"c", "n3", false, true, time.Hour}}, "delete:b"},
		{"an unavailable old pod may always go", nil,
			[]pod{{"a", "n1", true, false, time.Minute}, {"b", "n2", false, false, time.Hour}, {"c", "n3", false, true, time.Hour}}, "delete:b"},
		{"OnDelete leaves old pods", []func(*appsv1.DaemonSet){onDelete}, oldAll, ""},
		{"surge creates beside the old", []func(*appsv1.DaemonSet){strategy(num(0), num(1))}, oldAll, "create@n1"},
		{"surge waits for the new pod", []func(*appsv1.DaemonSet){strategy(num(0), num(1))},
			[]pod{{"a", "n1", false, true, time.Hour}, {"a2", "n1", true, false, time.Minute}, {"b", "n2", false, true, time.Hour}, {"c", "n3", false, true, time.Hour}}, ""},
		{"surge retires the old once the new is available", []func(*appsv1.DaemonSet){strategy(num(0), num(1))},
			[]pod{{"a", "n1", false, true, time.Hour}, {"a2", "n1", true, true, time.Minute}, {"b", "n2", false, true, time.Hour}, {"c", "n3", false, true, time.Hour}}, "delete:a"},
		{"surge replaces an unavailable old pod at once", []func(*appsv1.DaemonSet){strategy(num(0), num(1))},
			[]pod{{"a", "n1", false, false, time.Hour}, {"b", "n2", false, false, time.Hour}, {"c", "n3", false, true, time.Hour}}, "create@n1 create@n2 create@n3"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ds := daemonSet(tt.mods...)
			var pods []*corev1.Pod
			for _, p := range tt.pods {
				pods = append(pods, daemonPod(ds, p.name, p.node, p.current, p.ready, p.age))
			}
			res := Decide(Input{DaemonSet: ds, Nodes: nodes, Pods: pods, Now: t0, PodName: counter()})
			if got := summary(res); got != tt.want {
				t.Fatalf("changes %q, want %q", got, tt.want)
			}
		})
	}
}

func TestStatus(t *testing.T) {
	ds := daemonSet(withNodeSelector("role", "edge"), func(ds *appsv1.DaemonSet) { ds.Spec.MinReadySeconds = 10 })
	nodes := []*corev1.Node{node("n1", labelled("role", "edge")), node("n2", labelled("role", "edge")), node("n3", labelled("role", "edge")),
		node("n4"), node("n5", labelled("role", "edge"), notReady)}
	pods := []*corev1.Pod{
		daemonPod(ds, "ready-long", "n1", true, true, time.Hour),
		daemonPod(ds, "ready-new", "n2", true, true, 4*time.Second),
		daemonPod(ds, "old", "n3", false, false, time.Hour),
		daemonPod(ds, "misplaced", "n4", true, true, time.Hour),
	}
	res := Decide(Input{DaemonSet: ds, Nodes: nodes, Pods: pods, Now: t0, PodName: counter()})
	st := statusOf(res)
	want := appsv1.DaemonSetStatus{ObservedGeneration: 2, DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2,
		NumberAvailable: 1, UpdatedNumberScheduled: 2, NumberMisscheduled: 1, NumberUnavailable: 2}
	if st == nil || !equality.Semantic.DeepEqual(*st, want) {
		t.Fatalf("status %+v\nwant %+v", st, want)
	}
	if res.Requeue != 6*time.Second+time.Millisecond {
		t.Fatalf("requeue %v", res.Requeue)
	}
	if got := summary(res); got != "delete:misplaced" {
		t.Fatalf("changes %q", got)
	}
	// Nothing to do and the status as it stands: no changes at all.
	settled := daemonSet()
	settled.Status = appsv1.DaemonSetStatus{ObservedGeneration: 2, DesiredNumberScheduled: 1, CurrentNumberScheduled: 1, NumberReady: 1,
		NumberAvailable: 1, UpdatedNumberScheduled: 1}
	if res := Decide(Input{DaemonSet: settled, Nodes: []*corev1.Node{node("n1")},
		Pods: []*corev1.Pod{daemonPod(settled, "p", "n1", true, true, time.Hour)}, Now: t0}); len(res.Changes) != 0 {
		t.Fatalf("settled DaemonSet changed: %+v", res.Changes)
	}
}

func TestDeletingDaemonSetOnlyReports(t *testing.T) {
	ds := daemonSet()
	now := metav1.NewTime(t0)
	ds.DeletionTimestamp = &now
	res := Decide(Input{DaemonSet: ds, Nodes: []*corev1.Node{node("n1")}, Now: t0})
	if got := summary(res); got != "" {
		t.Fatalf("changes %q", got)
	}
}
