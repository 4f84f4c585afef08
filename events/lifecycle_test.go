package events

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var lifecycleNow = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func testPod(node string, phase corev1.PodPhase, finalizers ...string) *corev1.Pod {
	return &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "default", Finalizers: finalizers},
		Spec: corev1.PodSpec{NodeName: node}, Status: corev1.PodStatus{Phase: phase}}
}

func TestDeleteWrite(t *testing.T) {
	deploy := func(finalizers ...string) Object {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "default", Finalizers: finalizers}}
	}
	tests := []struct {
		name       string
		res        string
		obj        Object
		grace      int64
		policy     metav1.DeletionPropagation
		change     string
		grace2     int64 // deletionGracePeriodSeconds after, when marked
		finalizers []string
	}{
		{"unbound pod goes at once", "pods", testPod("", corev1.PodPending), -1, "", Deleted, 0, nil},
		{"bound pod terminates", "pods", testPod("n1", corev1.PodRunning), -1, "", Terminating, 30, nil},
		{"bound pod with grace 0 goes", "pods", testPod("n1", corev1.PodRunning), 0, "", Deleted, 0, nil},
		{"finished pod goes", "pods", testPod("n1", corev1.PodSucceeded), -1, "", Deleted, 0, nil},
		{"pod with a finalizer stays marked", "pods", testPod("", corev1.PodPending, "x/y"), -1, "", Terminating, 0, []string{"x/y"}},
		{"bound pod with a finalizer and grace 0 stays", "pods", testPod("n1", corev1.PodRunning, "x/y"), 0, "", Terminating, 0, []string{"x/y"}},
		{"deployment goes", "deployments", deploy(), -1, "", Deleted, 0, nil},
		{"background keeps finalizers as they are", "deployments", deploy(), -1, metav1.DeletePropagationBackground, Deleted, 0, nil},
		{"deployment with a finalizer stays", "deployments", deploy("x/y"), -1, "", Terminating, 0, []string{"x/y"}},
		{"orphan adds its finalizer", "deployments", deploy(), -1, metav1.DeletePropagationOrphan, Terminating, 0, []string{FinalizerOrphan}},
		{"foreground adds its finalizer", "deployments", deploy("x/y"), -1, metav1.DeletePropagationForeground, Terminating, 0,
			[]string{"x/y", FinalizerForeground}},
		{"foreground replaces orphan", "deployments", deploy(FinalizerOrphan), -1, metav1.DeletePropagationForeground, Terminating, 0,
			[]string{FinalizerForeground}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := PropagatedDeleteWrite(MustLookup(tt.res), tt.obj, 7, tt.grace, tt.policy, lifecycleNow)
			if w.Change != tt.change || w.Expected != 7 {
				t.Fatalf("change %q expected %d, want %q", w.Change, w.Expected, tt.change)
			}
			if got := w.Object.GetFinalizers(); len(got) != len(tt.finalizers) || (len(got) > 0 && got[len(got)-1] != tt.finalizers[len(tt.finalizers)-1]) {
				t.Fatalf("finalizers %v, want %v", got, tt.finalizers)
			}
			if w.Change != Terminating {
				return
			}
			ts, g := w.Object.GetDeletionTimestamp(), w.Object.GetDeletionGracePeriodSeconds()
			if ts == nil || !ts.Time.Equal(lifecycleNow) || g == nil || *g != tt.grace2 {
				t.Fatalf("deletionTimestamp %v grace %v, want %v %d", ts, g, lifecycleNow, tt.grace2)
			}
		})
	}
}

// A second delete keeps the first timestamp and may only shorten the grace.
func TestDeleteWriteTwice(t *testing.T) {
	p := testPod("n1", corev1.PodRunning)
	DeleteWrite(MustLookup("pods"), p, 1, 30, lifecycleNow)
	DeleteWrite(MustLookup("pods"), p, 2, 60, lifecycleNow.Add(time.Minute))
	if !p.DeletionTimestamp.Time.Equal(lifecycleNow) || *p.DeletionGracePeriodSeconds != 30 {
		t.Fatalf("after a longer grace: %v %d", p.DeletionTimestamp, *p.DeletionGracePeriodSeconds)
	}
	DeleteWrite(MustLookup("pods"), p, 3, 5, lifecycleNow.Add(time.Minute))
	if *p.DeletionGracePeriodSeconds != 5 {
		t.Fatalf("grace %d, want 5", *p.DeletionGracePeriodSeconds)
	}
}

func TestUpdateWrite(t *testing.T) {
	ts := metav1.NewTime(lifecycleNow)
	zero, ten := int64(0), int64(10)
	marked := func(o Object, grace *int64, finalizers ...string) Object {
		o.SetDeletionTimestamp(&ts)
		o.SetDeletionGracePeriodSeconds(grace)
		o.SetFinalizers(finalizers)
		return o
	}
	d := func() Object {
		return &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Name: "d", Namespace: "default"}}
	}
	tests := []struct {
		name      string
		old, next Object
		change    string
	}{
		{"last finalizer removed deletes", marked(d(), &zero, "orphan"), marked(d(), &zero), Deleted},
		{"a finalizer left keeps it", marked(d(), &zero, "orphan", "x/y"), marked(d(), &zero, "x/y"), Updated},
		{"not being deleted", d(), d(), Updated},
		{"no finalizers before", marked(d(), &zero), marked(d(), &zero), Updated},
		{"running pod waits for its agent", marked(testPod("n1", corev1.PodRunning), &ten, "x"), marked(testPod("n1", corev1.PodRunning), &ten), Updated},
		{"pod with grace 0 goes", marked(testPod("n1", corev1.PodRunning), &zero, "x"), marked(testPod("n1", corev1.PodRunning), &zero), Deleted},
		{"unbound pod goes", marked(testPod("", corev1.PodPending), &ten, "x"), marked(testPod("", corev1.PodPending), &ten), Deleted},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := MustLookup("deployments")
			if _, ok := tt.old.(*corev1.Pod); ok {
				res = MustLookup("pods")
			}
			if w := UpdateWrite(res, tt.old, tt.next, Updated, 4); w.Change != tt.change || w.Expected != 4 || w.Object != tt.next {
				t.Fatalf("change %q, want %q", w.Change, tt.change)
			}
		})
	}
}
