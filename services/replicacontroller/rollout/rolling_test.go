package rollout

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestRollingUpdateBounds plays whole rollouts step by step: after every
// decision the pods stay within replicas+maxSurge and at least
// replicas-maxUnavailable of them stay available, until every pod runs the
// new template and the old ReplicaSet is empty.
func TestRollingUpdateBounds(t *testing.T) {
	pct, num := intstr.FromString, intstr.FromInt32
	tests := []struct {
		name           string
		replicas       int32
		strategy       appsv1.DeploymentStrategy
		maxPods, minAv int32
		perStep        int32
	}{
		{name: "4, surge 1, unavailable 0, one pod ready per step", replicas: 4,
			strategy: rollingStrategy(num(1), num(0)), maxPods: 5, minAv: 4, perStep: 1},
		{name: "4, defaults", replicas: 4, maxPods: 5, minAv: 3, perStep: 1},
		{name: "10, 30%/20%", replicas: 10, strategy: rollingStrategy(pct("30%"), pct("20%")), maxPods: 13, minAv: 8, perStep: 2},
		{name: "3, both zero", replicas: 3, strategy: rollingStrategy(num(0), num(0)), maxPods: 3, minAv: 2},
		{name: "5, surge 0, unavailable 2", replicas: 5, strategy: rollingStrategy(num(0), num(2)), maxPods: 5, minAv: 3, perStep: 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(tt.replicas, "jetplane/hello:1")
			d.Spec.Strategy = tt.strategy
			w := newWorld(t, d)
			w.decide()
			w.settle()
			w.decide() // status after the first rollout
			w.setImage("jetplane/hello:2")
			w.perStep = tt.perStep
			for step := 0; step < 50; step++ {
				w.decide()
				spec, available := w.totals()
				if spec > tt.maxPods || available < tt.minAv {
					t.Fatalf("step %d: %d pods wanted, %d available; want at most %d and at least %d",
						step, spec, available, tt.maxPods, tt.minAv)
				}
				w.settle()
				if v := w.byImage(); v["jetplane/hello:1"][0] == 0 && v["jetplane/hello:2"][1] == tt.replicas {
					w.decide()
					c := getCondition(&w.d.Status, appsv1.DeploymentProgressing)
					if c == nil || c.Reason != ReasonNewReplicaSetAvailable || w.d.Annotations[RevisionAnnotation] != "2" ||
						w.d.Status.UpdatedReplicas != tt.replicas || w.d.Status.AvailableReplicas != tt.replicas {
						t.Fatalf("finished rollout: progressing %+v, annotations %v, status %+v", c, w.d.Annotations, w.d.Status)
					}
					return
				}
			}
			t.Fatalf("rollout did not finish: %v", w.byImage())
		})
	}
}

// TestBrokenRolloutStalls: new pods that never become available stall the
// rollout within maxUnavailable, old pods keep serving, and the progress
// deadline turns Progressing False with ProgressDeadlineExceeded.
func TestBrokenRolloutStalls(t *testing.T) {
	tests := []struct {
		name               string
		replicas           int32
		deadline           *int32
		wantOld, wantNew   int32
		wantRequeue        time.Duration // a second past the deadline: it passes strictly after
		timeoutAfter       time.Duration
		wantAvailableAfter corev1.ConditionStatus
	}{
		{name: "3 replicas, defaults: no old pod goes", replicas: 3, wantOld: 3, wantNew: 1,
			wantRequeue: 601 * time.Second, timeoutAfter: 601 * time.Second, wantAvailableAfter: corev1.ConditionTrue},
		{name: "4 replicas, defaults: one old pod goes", replicas: 4, wantOld: 3, wantNew: 2,
			wantRequeue: 601 * time.Second, timeoutAfter: 601 * time.Second, wantAvailableAfter: corev1.ConditionTrue},
		{name: "deadline 30s", replicas: 2, deadline: ptr(int32(30)), wantOld: 2, wantNew: 1,
			wantRequeue: 31 * time.Second, timeoutAfter: 31 * time.Second, wantAvailableAfter: corev1.ConditionTrue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(tt.replicas, "jetplane/hello:1")
			d.Spec.ProgressDeadlineSeconds = tt.deadline
			w := newWorld(t, d)
			w.healthy = func(image string) bool { return !strings.HasSuffix(image, ":broken") }
			w.decide()
			w.settle()
			w.decide()
			w.setImage("jetplane/hello:broken")
			var last Result
			for range 10 {
				last = w.decide()
				w.settle()
			}
			v := w.byImage()
			if v["jetplane/hello:1"] != [2]int32{tt.wantOld, tt.wantOld} || v["jetplane/hello:broken"] != [2]int32{tt.wantNew, 0} {
				t.Fatalf("stalled at %v, want %d old available and %d new", v, tt.wantOld, tt.wantNew)
			}
			c := getCondition(&w.d.Status, appsv1.DeploymentProgressing)
			if c == nil || c.Reason != ReasonReplicaSetUpdated || c.Status != corev1.ConditionTrue {
				t.Fatalf("progressing %+v", c)
			}
			if last.Requeue != tt.wantRequeue {
				t.Fatalf("requeue %v, want %v (the deadline from the last progress)", last.Requeue, tt.wantRequeue)
			}
			w.now = w.now.Add(tt.timeoutAfter)
			res := w.decide()
			c = getCondition(&w.d.Status, appsv1.DeploymentProgressing)
			newRS := w.rsOf("jetplane/hello:broken")
			if c == nil || c.Reason != ReasonProgressDeadlineExceeded || c.Status != corev1.ConditionFalse ||
				c.Message != `ReplicaSet "`+newRS.Name+`" has timed out progressing.` || res.Requeue != 0 {
				t.Fatalf("after the deadline: progressing %+v, requeue %v", c, res.Requeue)
			}
			if a := getCondition(&w.d.Status, appsv1.DeploymentAvailable); a == nil || a.Status != tt.wantAvailableAfter ||
				a.Reason != ReasonMinimumReplicasAvailable || a.Message != "Deployment has minimum availability." {
				t.Fatalf("available %+v", a)
			}
			if w.byImage()["jetplane/hello:1"][1] != tt.wantOld {
				t.Fatal("old pods stopped serving after the deadline")
			}
			// Timed out stays timed out; nothing more is written.
			w.now = w.now.Add(time.Hour)
			if again := w.decide(); len(again.Changes) != 0 {
				t.Fatalf("changes after timing out: %+v", again.Changes)
			}
		})
	}
}
