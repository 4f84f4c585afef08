package rollout

import (
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// TestRecreate: old ReplicaSets go to zero first; the new one gets pods only
// when no old pod runs any more, terminating ones included.
func TestRecreate(t *testing.T) {
	tests := []struct {
		name        string
		oldSpec     int32
		oldStatus   int32             // pods the old ReplicaSet still counts
		oldPods     []corev1.PodPhase // pods of the old ReplicaSet in the log
		terminating bool              // the old pods are terminating
		newRS       *int32            // size of an existing new ReplicaSet; nil: none yet
		wantOld     int32             // -1: not scaled
		wantNew     int32             // -1: no new ReplicaSet written
	}{
		{name: "old running: scale it to zero, nothing new", oldSpec: 3, oldStatus: 3, wantOld: 0, wantNew: -1},
		{name: "old still counts a pod: wait", oldStatus: 1, wantOld: -1, wantNew: -1},
		{name: "a terminating old pod still runs: wait", oldPods: []corev1.PodPhase{corev1.PodRunning}, terminating: true,
			wantOld: -1, wantNew: -1},
		{name: "an old pod whose phase is unknown may run: wait", oldPods: []corev1.PodPhase{corev1.PodUnknown},
			wantOld: -1, wantNew: -1},
		{name: "only finished old pods: create the new one at full size",
			oldPods: []corev1.PodPhase{corev1.PodSucceeded, corev1.PodFailed}, wantOld: -1, wantNew: 3},
		{name: "all gone: create the new one", wantOld: -1, wantNew: 3},
		{name: "new one exists at zero: scale it up", newRS: ptr(int32(0)), wantOld: -1, wantNew: 3},
		{name: "new one at full size: nothing", newRS: ptr(int32(3)), wantOld: -1, wantNew: -1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(3, "jetplane/hello:2")
			d.Annotations = map[string]string{RevisionAnnotation: "1"}
			d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType
			old := rsFor(d, "jetplane/hello:1", 1, tt.oldSpec, 0, time.Minute)
			old.Status.Replicas = tt.oldStatus
			in := DeploymentInput{Deployment: d, ReplicaSets: []*appsv1.ReplicaSet{old}, Now: t0}
			for i, phase := range tt.oldPods {
				in.Pods = append(in.Pods, podOf(old, podState{name: "old" + itoa(int32(i)), node: "n1", phase: phase,
					terminating: tt.terminating}))
			}
			if tt.newRS != nil {
				nrs := rsFor(d, "jetplane/hello:2", 2, *tt.newRS, *tt.newRS, 0)
				in.ReplicaSets = append(in.ReplicaSets, nrs)
				// The new ReplicaSet's own pods never hold it back.
				in.Pods = append(in.Pods, podOf(nrs, podState{name: "new", node: "n1"}))
			}
			res := DecideDeployment(in)
			gotOld, gotNew := int32(-1), int32(-1)
			for _, c := range res.Changes {
				rs, ok := c.Object.(*appsv1.ReplicaSet)
				if !ok || c.Action == Update {
					continue
				}
				if rs.Name == old.Name {
					gotOld = *rs.Spec.Replicas
				} else {
					gotNew = *rs.Spec.Replicas
				}
			}
			if gotOld != tt.wantOld || gotNew != tt.wantNew {
				t.Fatalf("old scaled to %d, new to %d; want %d, %d: %+v", gotOld, gotNew, tt.wantOld, tt.wantNew, res.Changes)
			}
		})
	}
}
