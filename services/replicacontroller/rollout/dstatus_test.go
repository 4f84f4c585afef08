package rollout

import (
	"math"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func progressing(reason string, s corev1.ConditionStatus, at time.Time) appsv1.DeploymentCondition {
	return appsv1.DeploymentCondition{Type: appsv1.DeploymentProgressing, Status: s, Reason: reason,
		LastUpdateTime: metav1.NewTime(at), LastTransitionTime: metav1.NewTime(at)}
}

func TestDeploymentStatus(t *testing.T) {
	tests := []struct {
		name          string
		available     int32 // of the current ReplicaSet's 3 pods
		prev          appsv1.DeploymentStatus
		deadline      *int32
		now           time.Time
		wantAvailable corev1.ConditionStatus
		wantReason    string // of Progressing; "" = no such condition
		wantUpdatedAt time.Time
		wantRequeue   time.Duration
	}{
		{name: "complete", available: 3, now: t0,
			prev:          appsv1.DeploymentStatus{Conditions: []appsv1.DeploymentCondition{progressing(ReasonReplicaSetUpdated, corev1.ConditionTrue, t0.Add(-time.Minute))}},
			wantAvailable: corev1.ConditionTrue, wantReason: ReasonNewReplicaSetAvailable, wantUpdatedAt: t0},
		{name: "progress refreshes lastUpdateTime", available: 1, now: t0,
			prev:          appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, Conditions: []appsv1.DeploymentCondition{progressing(ReasonNewReplicaSetCreated, corev1.ConditionTrue, t0.Add(-time.Minute))}},
			wantAvailable: corev1.ConditionFalse, wantReason: ReasonReplicaSetUpdated, wantUpdatedAt: t0, wantRequeue: 600 * time.Second},
		{name: "no progress within the deadline: look again when it passes", available: 0, now: t0,
			prev:          appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, UnavailableReplicas: 3, Conditions: []appsv1.DeploymentCondition{progressing(ReasonReplicaSetUpdated, corev1.ConditionTrue, t0.Add(-time.Minute))}},
			wantAvailable: corev1.ConditionFalse, wantReason: ReasonReplicaSetUpdated, wantUpdatedAt: t0.Add(-time.Minute), wantRequeue: 9*time.Minute + time.Second},
		{name: "deadline exceeded", available: 0, now: t0,
			prev:          appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, UnavailableReplicas: 3, Conditions: []appsv1.DeploymentCondition{progressing(ReasonReplicaSetUpdated, corev1.ConditionTrue, t0.Add(-11*time.Minute))}},
			wantAvailable: corev1.ConditionFalse, wantReason: ReasonProgressDeadlineExceeded, wantUpdatedAt: t0},
		{name: "progress not tracked yet: found the new replica set", available: 1, now: t0,
			prev:          appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 1, AvailableReplicas: 1, UnavailableReplicas: 2},
			wantAvailable: corev1.ConditionFalse, wantReason: ReasonFoundNewReplicaSet, wantUpdatedAt: t0, wantRequeue: 601 * time.Second},
		{name: "a finished rollout does not time out when pods fail later", available: 1, now: t0,
			prev:          appsv1.DeploymentStatus{Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3, Conditions: []appsv1.DeploymentCondition{progressing(ReasonNewReplicaSetAvailable, corev1.ConditionTrue, t0.Add(-time.Hour))}},
			wantAvailable: corev1.ConditionFalse, wantReason: ReasonNewReplicaSetAvailable, wantUpdatedAt: t0.Add(-time.Hour)},
		{name: "no deadline: no progressing condition", available: 3, now: t0, deadline: ptr(int32(math.MaxInt32)),
			prev:          appsv1.DeploymentStatus{Conditions: []appsv1.DeploymentCondition{progressing(ReasonReplicaSetUpdated, corev1.ConditionTrue, t0)}},
			wantAvailable: corev1.ConditionTrue},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(3, "jetplane/hello:1")
			d.Generation = 2
			d.Annotations = map[string]string{RevisionAnnotation: "1"}
			d.Spec.ProgressDeadlineSeconds = tt.deadline
			d.Status = tt.prev
			rs := rsFor(d, "jetplane/hello:1", 1, 3, tt.available, 0)
			res := DecideDeployment(DeploymentInput{Deployment: d, ReplicaSets: []*appsv1.ReplicaSet{rs}, Now: tt.now})
			sc := changesOf(res, Status, "deployments")
			if len(sc) != 1 || len(res.Changes) != 1 {
				t.Fatalf("changes %+v", res.Changes)
			}
			got := sc[0].Object.(*appsv1.Deployment).Status
			if got.ObservedGeneration != 2 || got.Replicas != 3 || got.UpdatedReplicas != 3 || got.ReadyReplicas != tt.available ||
				got.AvailableReplicas != tt.available || got.UnavailableReplicas != 3-tt.available {
				t.Fatalf("counts %+v", got)
			}
			if c := getCondition(&got, appsv1.DeploymentAvailable); c == nil || c.Status != tt.wantAvailable ||
				(c.Status == corev1.ConditionTrue) != (c.Reason == ReasonMinimumReplicasAvailable) {
				t.Fatalf("available %+v", c)
			}
			c := getCondition(&got, appsv1.DeploymentProgressing)
			switch {
			case tt.wantReason == "" && c != nil:
				t.Fatalf("progressing %+v, want none", c)
			case tt.wantReason != "" && (c == nil || c.Reason != tt.wantReason || !c.LastUpdateTime.Time.Equal(tt.wantUpdatedAt)):
				t.Fatalf("progressing %+v, want %s updated at %v", c, tt.wantReason, tt.wantUpdatedAt)
			}
			if res.Requeue != tt.wantRequeue {
				t.Fatalf("requeue %v, want %v", res.Requeue, tt.wantRequeue)
			}

			// Fed its own status back, later, the decision writes nothing.
			d.Status = got
			again := DecideDeployment(DeploymentInput{Deployment: d, ReplicaSets: []*appsv1.ReplicaSet{rs}, Now: tt.now.Add(30 * time.Second)})
			if len(again.Changes) != 0 {
				t.Fatalf("not idempotent: %+v", again.Changes[0].Object.(*appsv1.Deployment).Status)
			}
		})
	}
}

func TestAvailableKeepsTransitionTime(t *testing.T) {
	st := appsv1.DeploymentStatus{}
	setCondition(&st, condition(appsv1.DeploymentAvailable, corev1.ConditionTrue, ReasonMinimumReplicasAvailable, "a", t0))
	setCondition(&st, condition(appsv1.DeploymentAvailable, corev1.ConditionTrue, ReasonMinimumReplicasAvailable, "b", t0.Add(time.Hour)))
	if c := st.Conditions[0]; !c.LastUpdateTime.Time.Equal(t0) || c.Message != "a" {
		t.Fatalf("same status and reason rewrote the condition: %+v", c)
	}
	setCondition(&st, condition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonReplicaSetUpdated, "", t0))
	setCondition(&st, condition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonNewReplicaSetAvailable, "", t0.Add(time.Hour)))
	if c := st.Conditions[1]; !c.LastTransitionTime.Time.Equal(t0) || !c.LastUpdateTime.Time.Equal(t0.Add(time.Hour)) {
		t.Fatalf("reason change: %+v", c)
	}
	if len(st.Conditions) != 2 {
		t.Fatalf("conditions %d", len(st.Conditions))
	}
}
