package rollout

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// TestPauseAndResume: a paused Deployment makes no rollout progress and
// says so in Progressing (Unknown, DeploymentPaused); resumed, it says
// DeploymentResumed and the rollout goes on.
func TestPauseAndResume(t *testing.T) {
	tests := []struct {
		name        string
		paused      bool
		prior       *appsv1.DeploymentCondition // Progressing before
		newTemplate bool                        // the template changed
		newRSAvail  int32                       // a new ReplicaSet of 2 pods exists with this many available; -1: none
		wantReason  string
		wantStatus  corev1.ConditionStatus
		wantMessage string
		wantCreate  bool
		wantOldSize int32
	}{
		{name: "pause: no new ReplicaSet for a new template", paused: true, newTemplate: true, newRSAvail: -1,
			prior:      ptr(progressing(ReasonNewReplicaSetAvailable, corev1.ConditionTrue, t0.Add(-time.Hour))),
			wantReason: ReasonDeploymentPaused, wantStatus: corev1.ConditionUnknown, wantMessage: "Deployment is paused", wantOldSize: 4},
		{name: "paused mid-rollout: old pods are not scaled down though new ones are available", paused: true, newRSAvail: 2,
			prior:      ptr(progressing(ReasonReplicaSetUpdated, corev1.ConditionTrue, t0.Add(-time.Minute))),
			wantReason: ReasonDeploymentPaused, wantStatus: corev1.ConditionUnknown, wantMessage: "Deployment is paused", wantOldSize: 3},
		{name: "paused after the deadline: still timed out", paused: true, newRSAvail: 0,
			prior:      ptr(progressing(ReasonProgressDeadlineExceeded, corev1.ConditionFalse, t0.Add(-time.Minute))),
			wantReason: ReasonProgressDeadlineExceeded, wantStatus: corev1.ConditionFalse, wantOldSize: 3},
		{name: "resume: the rollout starts", newTemplate: true, newRSAvail: -1,
			prior:      ptr(progressing(ReasonDeploymentPaused, corev1.ConditionUnknown, t0.Add(-time.Hour))),
			wantReason: ReasonNewReplicaSetCreated, wantStatus: corev1.ConditionTrue, wantCreate: true, wantOldSize: 4},
		{name: "resume mid-rollout: old pods go as new ones are available", newRSAvail: 2,
			prior:      ptr(progressing(ReasonDeploymentPaused, corev1.ConditionUnknown, t0.Add(-time.Hour))),
			wantReason: ReasonReplicaSetUpdated, wantStatus: corev1.ConditionTrue, wantOldSize: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := withRolling(deployment(4, "jetplane/hello:2"), intstr.FromInt32(1), intstr.FromInt32(0))
			d.Annotations = map[string]string{RevisionAnnotation: "1"}
			d.Spec.Paused = tt.paused
			old := rsFor(d, "jetplane/hello:1", 1, 4, 4, time.Minute)
			old.Annotations[DesiredReplicasAnnotation] = "4"
			rss := []*appsv1.ReplicaSet{old}
			if tt.newRSAvail >= 0 {
				d.Annotations[RevisionAnnotation] = "2"
				nrs := rsFor(d, "jetplane/hello:2", 2, 2, tt.newRSAvail, 0)
				nrs.Annotations[DesiredReplicasAnnotation] = "4"
				*old.Spec.Replicas, old.Status.Replicas, old.Status.AvailableReplicas = 3, 3, 3
				rss = append(rss, nrs)
			}
			if tt.newTemplate {
				d.Spec.Template.Spec.Containers[0].Image = "jetplane/hello:3"
			}
			d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 4, ReadyReplicas: 4, AvailableReplicas: 4,
				Conditions: []appsv1.DeploymentCondition{*tt.prior}}
			w := newWorld(t, d, rss...)
			res := w.decide()
			if created := len(changesOf(res, Create, "replicasets")) > 0; created != tt.wantCreate {
				t.Fatalf("created a replicaset: %v, want %v", created, tt.wantCreate)
			}
			if got := *w.rss[0].Spec.Replicas; got != tt.wantOldSize {
				t.Fatalf("old replicaset at %d, want %d", got, tt.wantOldSize)
			}
			c := getCondition(&w.d.Status, appsv1.DeploymentProgressing)
			if c == nil || c.Reason != tt.wantReason || c.Status != tt.wantStatus || (tt.wantMessage != "" && c.Message != tt.wantMessage) {
				t.Fatalf("progressing %+v, want %s %s %q", c, tt.wantReason, tt.wantStatus, tt.wantMessage)
			}
			if tt.paused && res.Requeue != 0 {
				t.Fatalf("a paused deployment asks to be looked at in %v", res.Requeue)
			}
			if again := w.decide(); tt.paused && len(again.Changes) != 0 {
				t.Fatalf("paused deployment not idempotent: %+v", again.Changes)
			}
		})
	}
}
