package rollout

import (
	"fmt"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// counter names pods base+"p1", base+"p2", ... deterministically.
func counter() func(string) string {
	n := 0
	return func(base string) string {
		n++
		return fmt.Sprintf("%sp%d", base, n)
	}
}

func testRS(replicas int32) *appsv1.ReplicaSet {
	d := deployment(replicas, "jetplane/hello:1")
	rs := rsFor(d, "jetplane/hello:1", 1, replicas, 0, 0)
	rs.Status = appsv1.ReplicaSetStatus{}
	return rs
}

func names(cs []Change) string {
	var out []string
	for _, c := range cs {
		out = append(out, c.Object.GetName())
	}
	return strings.Join(out, ",")
}

func TestReplicaSetScale(t *testing.T) {
	old := t0.Add(-time.Hour)
	tests := []struct {
		name        string
		replicas    int32
		pods        []podState
		wantCreate  int
		wantDeleted string
	}{
		{name: "create missing", replicas: 3, wantCreate: 3},
		{name: "steady", replicas: 2, pods: []podState{{name: "a", node: "n1"}, {name: "b", node: "n2"}}},
		{name: "terminating and finished pods do not count", replicas: 2,
			pods: []podState{{name: "a", node: "n1"}, {name: "done", node: "n1", phase: corev1.PodSucceeded}, {name: "bad", phase: corev1.PodFailed},
				{name: "leaving", node: "n2", terminating: true}},
			wantCreate: 1},
		{name: "unscheduled first, then pending, then not ready", replicas: 1, pods: []podState{
			{name: "ready", node: "n1", ready: true, readyAt: old},
			{name: "notready", node: "n2"},
			{name: "pending", node: "n3", phase: corev1.PodPending},
			{name: "unscheduled", phase: corev1.PodPending},
		}, wantDeleted: "unscheduled,pending,notready"},
		{name: "doubled up on a node first", replicas: 2, pods: []podState{
			{name: "alone", node: "n1", ready: true, readyAt: old},
			{name: "twin1", node: "n2", ready: true, readyAt: old, created: old},
			{name: "twin2", node: "n2", ready: true, readyAt: old, created: old},
		}, wantDeleted: "twin1"},
		{name: "ready more recently, then more restarts, then newer", replicas: 1, pods: []podState{
			{name: "veteran", node: "n1", ready: true, readyAt: old, created: old},
			{name: "fresh", node: "n2", ready: true, readyAt: t0, created: old},
			{name: "flaky", node: "n3", ready: true, readyAt: old, restarts: 5, created: old},
			{name: "young", node: "n4", ready: true, readyAt: old, created: t0},
		}, wantDeleted: "fresh,flaky,young"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := testRS(tt.replicas)
			in := ReplicaSetInput{ReplicaSet: rs, Now: t0, PodName: counter()}
			for _, s := range tt.pods {
				in.Pods = append(in.Pods, podOf(rs, s))
			}
			res := DecideReplicaSet(in)
			created := changesOf(res, Create, "pods")
			if len(created) != tt.wantCreate {
				t.Fatalf("created %d pods, want %d", len(created), tt.wantCreate)
			}
			for _, c := range created {
				p := c.Object.(*corev1.Pod)
				ref := metav1.GetControllerOf(p)
				if !strings.HasPrefix(p.Name, rs.Name+"-p") || p.Namespace != rs.Namespace || p.Status.Phase != corev1.PodPending ||
					p.Labels[PodTemplateHashLabel] != rs.Labels[PodTemplateHashLabel] || p.Spec.Containers[0].Image != "jetplane/hello:1" ||
					ref == nil || ref.UID != rs.UID || ref.Kind != "ReplicaSet" || !*ref.BlockOwnerDeletion {
					t.Fatalf("pod %+v", p)
				}
			}
			if got := names(changesOf(res, Delete, "pods")); got != tt.wantDeleted {
				t.Fatalf("deleted %q, want %q", got, tt.wantDeleted)
			}
		})
	}
}

func TestLongReplicaSetNamesAreTruncated(t *testing.T) {
	rs := testRS(1)
	rs.Name = strings.Repeat("x", 80)
	res := DecideReplicaSet(ReplicaSetInput{ReplicaSet: rs, Now: t0})
	c := changesOf(res, Create, "pods")
	if len(c) != 1 || len(c[0].Object.GetName()) != 63 {
		t.Fatalf("pod name %q", c[0].Object.GetName())
	}
}

func TestAdoptAndRelease(t *testing.T) {
	rs := testRS(2)
	mine := podOf(rs, podState{name: "mine", node: "n1"})
	relabeled := podOf(rs, podState{name: "relabeled", node: "n1"})
	relabeled.Labels = map[string]string{"app": "debug"}
	orphan := podOf(rs, podState{name: "orphan", node: "n2"})
	orphan.OwnerReferences = nil
	dying := podOf(rs, podState{name: "dying", node: "n2"})
	dying.OwnerReferences = nil
	dying.DeletionTimestamp = ptr(metav1.NewTime(t0))
	other := podOf(rs, podState{name: "other", node: "n2"})
	other.Labels = map[string]string{"app": "db"}
	other.OwnerReferences = nil

	res := DecideReplicaSet(ReplicaSetInput{ReplicaSet: rs, Pods: []*corev1.Pod{mine, relabeled},
		Orphans: []*corev1.Pod{orphan, dying, other}, Now: t0, PodName: counter()})
	upd := changesOf(res, Update, "pods")
	if names(upd) != "relabeled,orphan" {
		t.Fatalf("updates %q", names(upd))
	}
	if refs := upd[0].Object.GetOwnerReferences(); len(refs) != 0 {
		t.Fatalf("released pod keeps %+v", refs)
	}
	if ControllerUID(upd[1].Object) != rs.UID || upd[1].Expected != 50 {
		t.Fatalf("adopted pod %+v", upd[1])
	}
	if len(changesOf(res, Create, "pods"))+len(changesOf(res, Delete, "pods")) != 0 {
		t.Fatalf("mine + adopted make 2: no create or delete, got %+v", res.Changes)
	}
	if orphan.OwnerReferences != nil || len(relabeled.OwnerReferences) != 1 {
		t.Fatal("inputs changed in place")
	}
	// Being deleted, a ReplicaSet adopts nothing and makes no pods.
	rs.DeletionTimestamp = ptr(metav1.NewTime(t0))
	res = DecideReplicaSet(ReplicaSetInput{ReplicaSet: rs, Orphans: []*corev1.Pod{orphan}, Now: t0})
	if len(changesOf(res, Update, "pods"))+len(changesOf(res, Create, "pods")) != 0 {
		t.Fatalf("deleting replicaset acted: %+v", res.Changes)
	}
}

func TestReplicaSetStatus(t *testing.T) {
	tests := []struct {
		name        string
		minReady    int32
		pods        []podState
		want        appsv1.ReplicaSetStatus
		wantRequeue time.Duration
	}{
		{name: "ready and available", pods: []podState{{name: "a", ready: true, readyAt: t0}, {name: "b"}},
			want: appsv1.ReplicaSetStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 1, AvailableReplicas: 1, ObservedGeneration: 1}},
		{name: "minReadySeconds not yet passed", minReady: 10,
			pods:        []podState{{name: "a", ready: true, readyAt: t0.Add(-4 * time.Second)}, {name: "b", ready: true, readyAt: t0.Add(-time.Minute)}},
			want:        appsv1.ReplicaSetStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 1, ObservedGeneration: 1},
			wantRequeue: 6*time.Second + time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rs := testRS(int32(len(tt.pods)))
			rs.Spec.MinReadySeconds = tt.minReady
			var pods []*corev1.Pod
			for _, s := range tt.pods {
				pods = append(pods, podOf(rs, s))
			}
			res := DecideReplicaSet(ReplicaSetInput{ReplicaSet: rs, Pods: pods, Now: t0})
			sc := changesOf(res, Status, "replicasets")
			if len(sc) != 1 || len(res.Changes) != 1 {
				t.Fatalf("changes %+v", res.Changes)
			}
			if got := sc[0].Object.(*appsv1.ReplicaSet).Status; fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("status %+v, want %+v", got, tt.want)
			}
			if res.Requeue != tt.wantRequeue {
				t.Fatalf("requeue %v, want %v", res.Requeue, tt.wantRequeue)
			}
			rs.Status = tt.want
			if again := DecideReplicaSet(ReplicaSetInput{ReplicaSet: rs, Pods: pods, Now: t0}); len(again.Changes) != 0 {
				t.Fatalf("not idempotent: %+v", again.Changes)
			}
		})
	}
}

func TestFullyLabeled(t *testing.T) {
	rs := testRS(2)
	rs.Spec.Template.Labels = withLabel(rs.Spec.Template.Labels, "tier", "front")
	a := podOf(rs, podState{name: "a"})
	b := podOf(rs, podState{name: "b"})
	b.Labels = map[string]string{"app": "web", PodTemplateHashLabel: rs.Labels[PodTemplateHashLabel]}
	res := DecideReplicaSet(ReplicaSetInput{ReplicaSet: rs, Pods: []*corev1.Pod{a, b}, Now: t0})
	sc := changesOf(res, Status, "replicasets")
	if len(sc) != 1 || sc[0].Object.(*appsv1.ReplicaSet).Status.FullyLabeledReplicas != 1 {
		t.Fatalf("changes %+v", res.Changes)
	}
}
