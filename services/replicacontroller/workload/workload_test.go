package workload

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func pod(name string, lbl map[string]string, controller types.UID) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", Labels: lbl}}
	if controller != "" {
		yes := true
		p.OwnerReferences = []metav1.OwnerReference{{Kind: "ReplicaSet", Name: "o", UID: controller, Controller: &yes}}
	}
	return p
}

func names(ps []*corev1.Pod) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Name)
	}
	return out
}

func TestClaimed(t *testing.T) {
	web := map[string]string{"app": "web"}
	other := map[string]string{"app": "db"}
	owner := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "o", Namespace: "ns", UID: "u1"}}
	deleting := owner.DeepCopy()
	now := metav1.NewTime(t0)
	deleting.DeletionTimestamp = &now
	terminating := pod("dying", web, "")
	terminating.DeletionTimestamp = &now
	terminatingOwned := pod("dying-owned", other, "u1")
	terminatingOwned.DeletionTimestamp = &now
	sel, err := metav1.LabelSelectorAsSelector(&metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
		{Key: "app", Operator: metav1.LabelSelectorOpIn, Values: []string{"web"}}}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name                   string
		owner                  metav1.Object
		owned, orphans         []*corev1.Pod
		managed, release, adop []string
	}{
		{"matching owned kept", owner, []*corev1.Pod{pod("a", web, "u1")}, nil, []string{"a"}, nil, nil},
		{"relabelled owned released", owner, []*corev1.Pod{pod("a", other, "u1")}, nil, nil, []string{"a"}, nil},
		{"terminating relabelled left alone", owner, []*corev1.Pod{terminatingOwned}, nil, nil, nil, nil},
		{"matching orphan adopted", owner, nil, []*corev1.Pod{pod("b", web, "")}, []string{"b"}, nil, []string{"b"}},
		{"orphan of another label ignored", owner, nil, []*corev1.Pod{pod("b", other, "")}, nil, nil, nil},
		{"orphan with a controller ignored", owner, nil, []*corev1.Pod{pod("b", web, "u2")}, nil, nil, nil},
		{"terminating orphan ignored", owner, nil, []*corev1.Pod{terminating}, nil, nil, nil},
		{"deleting owner adopts nothing", deleting, []*corev1.Pod{pod("a", web, "u1")}, []*corev1.Pod{pod("b", web, "")}, []string{"a"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			gvk := appsv1.SchemeGroupVersion.WithKind("ReplicaSet")
			managed, release, adopt := Claimed(tt.owned, tt.orphans, sel, tt.owner, gvk, (*corev1.Pod).DeepCopy)
			if got := names(managed); !equal(got, tt.managed) {
				t.Errorf("managed %v, want %v", got, tt.managed)
			}
			if got := names(release); !equal(got, tt.release) {
				t.Errorf("release %v, want %v", got, tt.release)
			}
			if got := names(adopt); !equal(got, tt.adop) {
				t.Errorf("adopt %v, want %v", got, tt.adop)
			}
			for _, p := range release {
				if len(p.OwnerReferences) != 0 {
					t.Errorf("released %s still owned: %v", p.Name, p.OwnerReferences)
				}
			}
			for _, p := range adopt {
				ref := metav1.GetControllerOf(p)
				if ref == nil || ref.UID != "u1" || ref.APIVersion != "apps/v1" || ref.Kind != "ReplicaSet" || !*ref.BlockOwnerDeletion {
					t.Errorf("adopted %s: %+v", p.Name, ref)
				}
			}
			for _, p := range append(tt.owned, tt.orphans...) {
				if len(p.OwnerReferences) > 1 {
					t.Errorf("input %s changed", p.Name)
				}
			}
		})
	}
}

func equal(a, b []string) bool {
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

func TestNewPodAndNamer(t *testing.T) {
	tmpl := &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"a": "b"}, Annotations: map[string]string{"x": "y"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "i"}}}}
	seq := []string{"x-aaaaa", "x-aaaaa", "x-bbbbb", "x-ccccc"}
	i := 0
	n := NewNamer(func(base string) string { s := seq[i]; i++; return s }, []*corev1.Pod{pod("x-bbbbb", nil, "")})
	if a, b := n.Next("x-"), n.Next("x-"); a != "x-aaaaa" || b != "x-ccccc" {
		t.Fatalf("names %s %s", a, b)
	}
	ref := ControllerRef(appsv1.SchemeGroupVersion.WithKind("DaemonSet"), &appsv1.DaemonSet{ObjectMeta: metav1.ObjectMeta{Name: "x", UID: "u"}})
	p := NewPod(tmpl, "ns", "x-aaaaa", PodBase("x"), ref)
	tmpl.Labels["a"] = "changed"
	if p.Labels["a"] != "b" || p.Annotations["x"] != "y" || p.GenerateName != "x-" || p.Status.Phase != corev1.PodPending ||
		p.Namespace != "ns" || ControllerUID(p) != "u" {
		t.Fatalf("pod %+v", p)
	}
	long := PodBase(string(make([]byte, 80)))
	if len(long) != 58 {
		t.Fatalf("base of a long name has %d characters", len(long))
	}
}

func TestAvailability(t *testing.T) {
	readySince := func(d time.Duration, status corev1.ConditionStatus) *corev1.Pod {
		return &corev1.Pod{Status: corev1.PodStatus{Conditions: []corev1.PodCondition{
			{Type: corev1.PodReady, Status: status, LastTransitionTime: metav1.NewTime(t0.Add(-d))}}}}
	}
	tests := []struct {
		name             string
		pod              *corev1.Pod
		minReady         time.Duration
		ready, available bool
		wait             time.Duration
	}{
		{"not ready", readySince(time.Minute, corev1.ConditionFalse), 0, false, false, 0},
		{"no condition", &corev1.Pod{}, 0, false, false, 0},
		{"ready, no minReady", readySince(0, corev1.ConditionTrue), 0, true, true, 0},
		{"ready long enough", readySince(time.Minute, corev1.ConditionTrue), 10 * time.Second, true, true, 0},
		{"ready too recently", readySince(4*time.Second, corev1.ConditionTrue), 10 * time.Second, true, false, 6*time.Second + time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, a, w := Availability(tt.pod, tt.minReady, t0)
			if r != tt.ready || a != tt.available || w != tt.wait {
				t.Fatalf("ready %v available %v wait %v", r, a, w)
			}
		})
	}
}

func TestPodsToDelete(t *testing.T) {
	mk := func(name, node string, phase corev1.PodPhase, ready bool) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, CreationTimestamp: metav1.NewTime(t0)},
			Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: phase}}
		if ready {
			p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
		}
		return p
	}
	pods := []*corev1.Pod{
		mk("running-ready", "n1", corev1.PodRunning, true),
		mk("unscheduled", "", corev1.PodPending, false),
		mk("running", "n2", corev1.PodRunning, false),
		mk("pending", "n3", corev1.PodPending, false),
	}
	if got := names(PodsToDelete(pods, 3)); !equal(got, []string{"unscheduled", "pending", "running"}) {
		t.Fatalf("order %v", got)
	}
	if got := PodsToDelete(pods, 9); len(got) != 4 {
		t.Fatalf("%d pods for more than there are", len(got))
	}
}
