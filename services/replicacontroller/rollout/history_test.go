package rollout

import (
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

func TestRevisionHistoryLimit(t *testing.T) {
	complete := appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 2, UpdatedReplicas: 2, AvailableReplicas: 2, ReadyReplicas: 2}
	tests := []struct {
		name        string
		limit       *int32
		paused      bool
		status      appsv1.DeploymentStatus
		withPod     int32 // this revision still counts a pod
		wantDeleted string
	}{
		{name: "limit 2: the oldest go, one with a pod stays", limit: ptr(int32(2)), status: complete, withPod: 2, wantDeleted: "1,3"},
		{name: "limit 0 keeps no old ReplicaSet", limit: ptr(int32(0)), status: complete, wantDeleted: "1,2,3,4,5"},
		{name: "default 10 keeps all five", status: complete},
		{name: "not while a rollout is under way", limit: ptr(int32(2)),
			status: appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 3, UpdatedReplicas: 1, AvailableReplicas: 2}},
		{name: "paused: pruned even mid-rollout", limit: ptr(int32(4)), paused: true,
			status: appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 3, UpdatedReplicas: 1}, wantDeleted: "1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(2, "jetplane/hello:9")
			d.Annotations = map[string]string{RevisionAnnotation: "6"}
			d.Spec.RevisionHistoryLimit = tt.limit
			d.Spec.Paused = tt.paused
			d.Status = tt.status
			rss := []*appsv1.ReplicaSet{rsFor(d, "jetplane/hello:9", 6, 2, 2, 0)}
			for rev := int32(1); rev <= 5; rev++ {
				rs := rsFor(d, "jetplane/hello:"+itoa(rev), rev, 0, 0, time.Duration(10-rev)*time.Second)
				rs.Annotations[DesiredReplicasAnnotation] = "2"
				if rev == tt.withPod {
					rs.Status.Replicas = 1
				}
				rss = append(rss, rs)
			}
			res := DecideDeployment(DeploymentInput{Deployment: d, ReplicaSets: rss, Now: t0})
			var deleted []string
			for _, c := range changesOf(res, Delete, "replicasets") {
				deleted = append(deleted, c.Object.GetAnnotations()[RevisionAnnotation])
			}
			if got := strings.Join(deleted, ","); got != tt.wantDeleted {
				t.Fatalf("deleted revisions %q, want %q", got, tt.wantDeleted)
			}
		})
	}
}

// TestRollbackReusesReplicaSet: a template that comes back (kubectl
// rollout undo) makes its old ReplicaSet the new one with the next
// revision, and the revisions it had before go to revision-history.
func TestRollbackReusesReplicaSet(t *testing.T) {
	tests := []struct {
		name        string
		history     string // revision-history before
		wantHistory string
	}{
		{name: "first reuse", wantHistory: "1"},
		{name: "second reuse appends", history: "0", wantHistory: "0,1"},
		{name: "history is bounded, oldest first out", history: strings.Repeat("7,", 999) + "8",
			wantHistory: strings.Repeat("7,", 998) + "8,1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(3, "jetplane/hello:1") // back to revision 1's template
			d.Annotations = map[string]string{RevisionAnnotation: "3", ChangeCauseAnnotation: "first"}
			d.Status = appsv1.DeploymentStatus{ObservedGeneration: 1, Replicas: 3, UpdatedReplicas: 3, ReadyReplicas: 3, AvailableReplicas: 3,
				Conditions: []appsv1.DeploymentCondition{progressing(ReasonNewReplicaSetAvailable, corev1.ConditionTrue, t0.Add(-time.Hour))}}
			v1 := rsFor(d, "jetplane/hello:1", 1, 0, 0, 3*time.Second)
			if tt.history != "" {
				v1.Annotations[RevisionHistoryAnnotation] = tt.history
			}
			v2 := rsFor(d, "jetplane/hello:2", 2, 0, 0, 2*time.Second)
			v3 := rsFor(d, "jetplane/hello:3", 3, 3, 3, time.Second)
			res := DecideDeployment(DeploymentInput{Deployment: d, ReplicaSets: []*appsv1.ReplicaSet{v1, v2, v3}, Now: t0})
			if len(changesOf(res, Create, "replicasets")) != 0 {
				t.Fatal("a new replicaset for a template that has one")
			}
			var got *appsv1.ReplicaSet
			for _, c := range res.Changes {
				if c.Object.GetName() == v1.Name {
					got = c.Object.(*appsv1.ReplicaSet)
				}
			}
			if got == nil {
				t.Fatalf("revision 1's replicaset not written: %+v", res.Changes)
			}
			a := got.Annotations
			if a[RevisionAnnotation] != "4" || a[RevisionHistoryAnnotation] != tt.wantHistory || a[ChangeCauseAnnotation] != "first" {
				t.Fatalf("annotations %v", a)
			}
			if *got.Spec.Replicas != 1 {
				t.Fatalf("reused replicaset scaled to %d, want 1 (25%% surge)", *got.Spec.Replicas)
			}
			// The last rollout's success, an hour old, is no missed deadline.
			if st := changesOf(res, Status, "deployments"); len(st) == 1 {
				c := getCondition(&st[0].Object.(*appsv1.Deployment).Status, appsv1.DeploymentProgressing)
				if c == nil || c.Reason != ReasonNewReplicaSetAvailable {
					t.Fatalf("progressing %+v", c)
				}
			}
			upd := changesOf(res, Update, "deployments")
			if len(upd) != 1 || upd[0].Object.GetAnnotations()[RevisionAnnotation] != "4" {
				t.Fatalf("deployment revision %+v", upd)
			}
		})
	}
}
