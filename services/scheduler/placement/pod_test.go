package placement

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var timeZero = time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC)

func TestIsPending(t *testing.T) {
	now := metav1.NewTime(timeZero)
	tests := []struct {
		name string
		pod  *corev1.Pod
		want bool
	}{
		{"new pod", pod("a"), true},
		{"phase Pending", pod("a", phase(corev1.PodPending)), true},
		{"bound", func() *corev1.Pod { p := pod("a"); p.Spec.NodeName = "n1"; return p }(), false},
		{"terminating", func() *corev1.Pod { p := pod("a"); p.DeletionTimestamp = &now; return p }(), false},
		{"running", pod("a", phase(corev1.PodRunning)), false},
		{"default scheduler named", func() *corev1.Pod { p := pod("a"); p.Spec.SchedulerName = "default-scheduler"; return p }(), true},
		{"other scheduler", func() *corev1.Pod { p := pod("a"); p.Spec.SchedulerName = "volcano"; return p }(), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IsPending(tc.pod); got != tc.want {
				t.Fatalf("IsPending = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestBindAndMarkUnschedulable(t *testing.T) {
	p := pod("a")
	t1, t2 := timeZero, timeZero.Add(time.Minute)

	u1, changed := MarkUnschedulable(p, "m1", t1)
	if !changed || len(p.Status.Conditions) != 0 {
		t.Fatalf("first mark: changed=%v, input mutated=%v", changed, len(p.Status.Conditions) != 0)
	}
	if _, changed := MarkUnschedulable(u1, "m1", t2); changed {
		t.Fatal("same message marked again: would loop writes")
	}
	u2, changed := MarkUnschedulable(u1, "m2", t2)
	c := u2.Status.Conditions[0]
	if !changed || c.Message != "m2" || c.Reason != "Unschedulable" || c.Status != corev1.ConditionFalse {
		t.Fatalf("new message: changed=%v cond=%+v", changed, c)
	}
	if !c.LastTransitionTime.Time.Equal(t1) {
		t.Fatalf("status did not flip, yet lastTransitionTime moved to %v", c.LastTransitionTime)
	}

	b := Bind(u2, "n1", t2)
	if b.Spec.NodeName != "n1" || u2.Spec.NodeName != "" {
		t.Fatalf("bind: node %q, input node %q", b.Spec.NodeName, u2.Spec.NodeName)
	}
	if len(b.Status.Conditions) != 1 {
		t.Fatalf("conditions %+v, want one PodScheduled", b.Status.Conditions)
	}
	c = b.Status.Conditions[0]
	if c.Status != corev1.ConditionTrue || c.Reason != "" || c.Message != "" || !c.LastTransitionTime.Time.Equal(t2) {
		t.Fatalf("bound condition %+v", c)
	}
}
