package rollout

import (
	"strconv"
	"strings"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/validation"
)

func TestPodTemplateHash(t *testing.T) {
	base := deployment(3, "jetplane/hello:1").Spec.Template
	other := *base.DeepCopy()
	other.Spec.Containers[0].Image = "jetplane/hello:2"
	one, two := int32(1), int32(2)
	tests := []struct {
		name      string
		a, b      func() string
		wantEqual bool
	}{
		{"stable across calls and copies", func() string { return PodTemplateHash(&base, nil) },
			func() string { return PodTemplateHash(base.DeepCopy(), nil) }, true},
		{"template change changes it", func() string { return PodTemplateHash(&base, nil) },
			func() string { return PodTemplateHash(&other, nil) }, false},
		{"collision count changes it", func() string { return PodTemplateHash(&base, nil) },
			func() string { return PodTemplateHash(&base, &one) }, false},
		{"each collision count differs", func() string { return PodTemplateHash(&base, &one) },
			func() string { return PodTemplateHash(&base, &two) }, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a, b := tt.a(), tt.b()
			if (a == b) != tt.wantEqual {
				t.Fatalf("%q vs %q: equal=%v, want %v", a, b, a == b, tt.wantEqual)
			}
			for _, h := range []string{a, b} {
				if errs := validation.IsValidLabelValue(h); len(errs) > 0 || h == "" {
					t.Fatalf("hash %q is not a label value: %v", h, errs)
				}
				if strings.ContainsAny(h, "aeiou013") {
					t.Fatalf("hash %q uses characters outside the safe alphabet", h)
				}
			}
		})
	}
}

func TestNewReplicaSetCreated(t *testing.T) {
	tests := []struct {
		name         string
		old          []func(d *appsv1.Deployment) *appsv1.ReplicaSet
		wantRevision string
		wantReplicas int32
	}{
		{"first rollout", nil, "1", 3},
		{"after revisions 2 and 5", []func(d *appsv1.Deployment) *appsv1.ReplicaSet{
			func(d *appsv1.Deployment) *appsv1.ReplicaSet {
				return rsFor(d, "jetplane/hello:0", 2, 0, 0, 3*time.Second)
			},
			func(d *appsv1.Deployment) *appsv1.ReplicaSet {
				return rsFor(d, "jetplane/hello:2", 5, 3, 3, time.Second)
			},
		}, "6", 1}, // 25% surge of 3 rounds up to 1 pod beyond the old 3
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(3, "jetplane/hello:1")
			d.Annotations = map[string]string{ChangeCauseAnnotation: "kubectl set image",
				lastAppliedConfigAnnotation: "{}"}
			in := DeploymentInput{Deployment: d, Now: t0}
			for _, f := range tt.old {
				rs := f(d)
				in.ReplicaSets = append(in.ReplicaSets, rs)
				// The status as the last decision left it.
				d.Status.Replicas += rs.Status.Replicas
				d.Status.ReadyReplicas += rs.Status.ReadyReplicas
				d.Status.AvailableReplicas += rs.Status.AvailableReplicas
			}
			res := DecideDeployment(in)
			created := changesOf(res, Create, "replicasets")
			if len(created) != 1 {
				t.Fatalf("created %d replicasets: %+v", len(created), res.Changes)
			}
			rs := created[0].Object.(*appsv1.ReplicaSet)
			hash := PodTemplateHash(&d.Spec.Template, nil)
			if rs.Name != "web-"+hash || rs.Namespace != "default" || created[0].Expected != 0 {
				t.Fatalf("name %s/%s expected %d", rs.Namespace, rs.Name, created[0].Expected)
			}
			for what, m := range map[string]map[string]string{"labels": rs.Labels, "selector": rs.Spec.Selector.MatchLabels,
				"template labels": rs.Spec.Template.Labels} {
				if m[PodTemplateHashLabel] != hash || m["app"] != "web" {
					t.Fatalf("%s = %v", what, m)
				}
			}
			if _, ok := d.Spec.Template.Labels[PodTemplateHashLabel]; ok {
				t.Fatal("the deployment's own template was changed")
			}
			ref := rs.OwnerReferences
			if len(ref) != 1 || ref[0].Kind != "Deployment" || ref[0].APIVersion != "apps/v1" || ref[0].UID != d.UID ||
				!*ref[0].Controller || !*ref[0].BlockOwnerDeletion {
				t.Fatalf("ownerReferences %+v", ref)
			}
			a := rs.Annotations
			if a[RevisionAnnotation] != tt.wantRevision || a[DesiredReplicasAnnotation] != "3" || a[MaxReplicasAnnotation] != "4" ||
				a[ChangeCauseAnnotation] != "kubectl set image" {
				t.Fatalf("annotations %v", a)
			}
			if _, ok := a[lastAppliedConfigAnnotation]; ok {
				t.Fatal("last-applied-configuration copied to the replicaset")
			}
			if *rs.Spec.Replicas != tt.wantReplicas {
				t.Fatalf("new replicaset size %d, want %d", *rs.Spec.Replicas, tt.wantReplicas)
			}
			upd := changesOf(res, Update, "deployments")
			if len(upd) != 1 || upd[0].Object.GetAnnotations()[RevisionAnnotation] != tt.wantRevision || upd[0].Expected != 10 {
				t.Fatalf("deployment revision update %+v", upd)
			}
			st := changesOf(res, Status, "deployments")
			if len(st) != 1 {
				t.Fatalf("status changes %d", len(st))
			}
			sd := st[0].Object.(*appsv1.Deployment)
			if sd.Annotations[RevisionAnnotation] != tt.wantRevision {
				t.Fatal("status write drops the revision annotation written just before")
			}
			if c := getCondition(&sd.Status, appsv1.DeploymentProgressing); c == nil || c.Reason != ReasonNewReplicaSetCreated ||
				!c.LastUpdateTime.Time.Equal(t0) {
				t.Fatalf("progressing %+v", c)
			}
		})
	}
}

// TestNameCollision: a ReplicaSet name held by another object raises
// status.collisionCount, and the next name comes from the template hashed
// with that count.
func TestNameCollision(t *testing.T) {
	tests := []struct {
		name      string
		count     *int32
		taken     bool
		wantCount *int32
	}{
		{name: "first collision", taken: true, wantCount: ptr(int32(1))},
		{name: "another collision", count: ptr(int32(1)), taken: true, wantCount: ptr(int32(2))},
		{name: "after a collision the new name is free", count: ptr(int32(1)), wantCount: ptr(int32(1))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(3, "jetplane/hello:1")
			d.Status.CollisionCount = tt.count
			var asked []string
			res := DecideDeployment(DeploymentInput{Deployment: d, Now: t0, NameTaken: func(n string) bool {
				asked = append(asked, n)
				return tt.taken
			}})
			wantName := "web-" + PodTemplateHash(&d.Spec.Template, tt.count)
			if len(asked) != 1 || asked[0] != wantName {
				t.Fatalf("asked for %v, want %s", asked, wantName)
			}
			created := changesOf(res, Create, "replicasets")
			if tt.taken == (len(created) == 1) {
				t.Fatalf("created %d replicasets over a name taken=%v", len(created), tt.taken)
			}
			if !tt.taken && (created[0].Object.GetName() != wantName || created[0].Object.GetLabels()[PodTemplateHashLabel] != wantName[4:]) {
				t.Fatalf("created %s labels %v", created[0].Object.GetName(), created[0].Object.GetLabels())
			}
			st := changesOf(res, Status, "deployments")
			if len(st) != 1 {
				t.Fatalf("status changes %+v", st)
			}
			if got := st[0].Object.(*appsv1.Deployment).Status.CollisionCount; got == nil || *got != *tt.wantCount {
				t.Fatalf("collision count %v, want %d", got, *tt.wantCount)
			}
		})
	}
}

func TestScaleNewReplicaSet(t *testing.T) {
	tests := []struct {
		name      string
		replicas  int32
		current   int32
		wantScale int32 // -1: no scale
	}{
		{"steady", 3, 3, -1},
		{"scale up within surge", 5, 3, 5},
		{"scale down", 2, 3, 2},
		{"to zero", 0, 3, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(tt.replicas, "jetplane/hello:1")
			d.Annotations = map[string]string{RevisionAnnotation: "1"}
			rs := rsFor(d, "jetplane/hello:1", 1, tt.current, tt.current, 0)
			res := DecideDeployment(DeploymentInput{Deployment: d, ReplicaSets: []*appsv1.ReplicaSet{rs}, Now: t0})
			sc := changesOf(res, Scale, "replicasets")
			if tt.wantScale < 0 {
				if len(sc) != 0 {
					t.Fatalf("unexpected scale %+v", sc)
				}
				return
			}
			if len(sc) != 1 || *sc[0].Object.(*appsv1.ReplicaSet).Spec.Replicas != tt.wantScale || sc[0].Expected != 101 {
				t.Fatalf("scale changes %+v", sc)
			}
			if got := sc[0].Object.GetAnnotations()[DesiredReplicasAnnotation]; got != itoa(tt.replicas) {
				t.Fatalf("desired-replicas %q", got)
			}
			if *rs.Spec.Replicas != tt.current {
				t.Fatal("input replicaset changed in place")
			}
		})
	}
}

func itoa(n int32) string { return strconv.Itoa(int(n)) }

func TestRollingUpdateMaxUnavailable(t *testing.T) {
	// 25%/25% of 4: one pod over, one pod under.
	d := deployment(4, "jetplane/hello:2")
	old := rsFor(d, "jetplane/hello:1", 1, 4, 4, time.Second)
	res := DecideDeployment(DeploymentInput{Deployment: d, ReplicaSets: []*appsv1.ReplicaSet{old}, Now: t0})
	created := changesOf(res, Create, "replicasets")
	scaled := changesOf(res, Scale, "replicasets")
	if len(created) != 1 || *created[0].Object.(*appsv1.ReplicaSet).Spec.Replicas != 1 {
		t.Fatalf("new replicaset %+v", created)
	}
	if len(scaled) != 1 || *scaled[0].Object.(*appsv1.ReplicaSet).Spec.Replicas != 3 {
		t.Fatalf("old replicaset scale %+v", scaled)
	}
}

func TestAdoptOrphanReplicaSet(t *testing.T) {
	d := deployment(2, "jetplane/hello:1")
	orphan := rsFor(d, "jetplane/hello:1", 1, 2, 2, 0)
	orphan.OwnerReferences = nil
	res := DecideDeployment(DeploymentInput{Deployment: d, Orphans: []*appsv1.ReplicaSet{orphan}, Now: t0})
	upd := changesOf(res, Update, "replicasets")
	if len(upd) != 1 || ControllerUID(upd[0].Object) != d.UID {
		t.Fatalf("orphan not adopted: %+v", res.Changes)
	}
	if len(changesOf(res, Create, "replicasets")) != 0 {
		t.Fatal("a new replicaset made next to the adopted one")
	}
	if orphan.OwnerReferences != nil {
		t.Fatal("input changed in place")
	}
}

func TestInvalidOrDeletedDeploymentDoesNothing(t *testing.T) {
	noSel := deployment(1, "x")
	noSel.Spec.Selector = nil
	deleting := deployment(1, "x")
	deleting.DeletionTimestamp = ptr(deleting.CreationTimestamp)
	for _, d := range []*appsv1.Deployment{nil, noSel, deleting} {
		if res := DecideDeployment(DeploymentInput{Deployment: d, Now: t0}); len(res.Changes) != 0 {
			t.Fatalf("changes %+v", res.Changes)
		}
	}
}

// TestReplicaSetFollowsDeploymentSettings: the current ReplicaSet takes the
// Deployment's minReadySeconds (its pods become available that long after
// Ready) and annotations, with a new generation for the spec change.
func TestReplicaSetFollowsDeploymentSettings(t *testing.T) {
	tests := []struct {
		name       string
		minReady   int32
		cause      string
		wantUpdate bool
	}{
		{name: "in step: nothing"},
		{name: "minReadySeconds changed", minReady: 10, wantUpdate: true},
		{name: "change-cause annotated", cause: "kubectl set image", wantUpdate: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(2, "jetplane/hello:1")
			d.Annotations = map[string]string{RevisionAnnotation: "1"}
			if tt.cause != "" {
				d.Annotations[ChangeCauseAnnotation] = tt.cause
			}
			d.Spec.MinReadySeconds = tt.minReady
			rs := rsFor(d, "jetplane/hello:1", 1, 2, 2, 0)
			res := DecideDeployment(DeploymentInput{Deployment: d, ReplicaSets: []*appsv1.ReplicaSet{rs}, Now: t0})
			upd := changesOf(res, Update, "replicasets")
			if (len(upd) == 1) != tt.wantUpdate || len(changesOf(res, Scale, "replicasets")) != 0 {
				t.Fatalf("changes %+v", res.Changes)
			}
			if !tt.wantUpdate {
				return
			}
			got := upd[0].Object.(*appsv1.ReplicaSet)
			wantGen := rs.Generation
			if tt.minReady != 0 {
				wantGen++
			}
			if got.Spec.MinReadySeconds != tt.minReady || got.Annotations[ChangeCauseAnnotation] != tt.cause ||
				got.Generation != wantGen || upd[0].Expected != 101 {
				t.Fatalf("replicaset minReadySeconds %d annotations %v generation %d", got.Spec.MinReadySeconds, got.Annotations, got.Generation)
			}
		})
	}
}
