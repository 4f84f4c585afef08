package nodeagent

import (
	"testing"
	"time"

	"github.com/jetplane/jetplane/services/nodeagent/podsync"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestIdlePods(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	pod := &corev1.Pod{}
	c1 := podsync.Container{ID: "a", Name: "main", Running: true, StartedAt: t0}
	c2 := podsync.Container{ID: "b", Name: "main", Attempt: 1, StartedAt: t0, FinishedAt: t0.Add(time.Second), ExitCode: 1}
	in := podsync.Input{Now: t0, Pod: pod, PodIP: "10.0.0.1", Containers: []podsync.Container{c1, c2},
		Probes: map[string]podsync.ProbeResult{"a": {Ready: true}}}
	q := idlePods{inputs: map[string]podsync.Input{}}
	if q.same("ns/p", in) {
		t.Fatal("same before any note")
	}
	q.note("ns/p", in, podsync.Decision{Requeue: time.Second})
	if q.same("ns/p", in) {
		t.Fatal("same after a decision with a timer")
	}
	q.note("ns/p", in, podsync.Decision{})
	later := in
	later.Now = t0.Add(time.Hour)
	later.Containers = []podsync.Container{c2, c1} // listed in another order
	later.Containers[1].StartedAt = t0.In(time.FixedZone("x", 3600))
	if !q.same("ns/p", later) {
		t.Fatal("not same later")
	}
	for name, change := range map[string]func(*podsync.Input){
		"pod":       func(i *podsync.Input) { i.Pod = &corev1.Pod{} },
		"ip":        func(i *podsync.Input) { i.PodIP = "10.0.0.2" },
		"exited":    func(i *podsync.Input) { i.Containers = []podsync.Container{c2, {ID: "a", Name: "main", StartedAt: t0}} },
		"gone":      func(i *podsync.Input) { i.Containers = []podsync.Container{c2} },
		"replaced":  func(i *podsync.Input) { i.Containers = []podsync.Container{c2, {ID: "c"}} },
		"probe":     func(i *podsync.Input) { i.Probes = map[string]podsync.ProbeResult{"a": {}} },
		"back-off":  func(i *podsync.Input) { i.Backoffs = map[string]podsync.Backoff{"main": {Attempt: 1}} },
		"start err": func(i *podsync.Input) { i.Failures = map[string]podsync.StartFailure{"main": {Reason: "x"}} },
	} {
		other := in
		change(&other)
		if q.same("ns/p", other) {
			t.Errorf("%s changed: still same", name)
		}
	}
	terminating := in
	terminating.Pod = &corev1.Pod{}
	terminating.Pod.DeletionTimestamp = &metav1.Time{Time: t0}
	q.note("ns/q", terminating, podsync.Decision{})
	if q.same("ns/q", terminating) {
		t.Fatal("a terminating pod noted idle")
	}
	q.forget("ns/p")
	if q.same("ns/p", in) {
		t.Fatal("same after forget")
	}
}
