package rollout

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// sized is a ReplicaSet of the test Deployment as the last decision left
// it: an image, its size, available pods, the Deployment size it was sized
// for (desired and max annotations) and its age.
type sized struct {
	image             string
	replicas, avail   int32
	desired, maxLimit string
	age               time.Duration
}

func TestProportionalScaling(t *testing.T) {
	num := intstr.FromInt32
	tests := []struct {
		name     string
		replicas int32
		strategy appsv1.DeploymentStrategy
		paused   bool
		rss      []sized // the first is the current template's
		want     []int32
	}{
		{name: "one active ReplicaSet takes the whole count", replicas: 10,
			rss:  []sized{{"v2", 3, 3, "3", "4", 0}, {"v1", 0, 0, "3", "4", time.Minute}},
			want: []int32{10, 0}},
		{name: "scale down, one active", replicas: 1,
			rss:  []sized{{"v2", 3, 3, "3", "4", 0}},
			want: []int32{1}},
		// Kubernetes' documented example: 10 replicas, surge 3, unavailable 2,
		// a stuck rollout at 8 old and 5 new, scaled to 15: 3 go to the old
		// ReplicaSet and 2 to the new.
		{name: "kubernetes docs: 10 to 15 mid-rollout", replicas: 15, strategy: rollingStrategy(num(3), num(2)),
			rss:  []sized{{"v2", 5, 0, "10", "13", 0}, {"v1", 8, 8, "10", "13", time.Minute}},
			want: []int32{7, 11}},
		{name: "scale down mid-rollout: larger ones shrink more", replicas: 5, strategy: rollingStrategy(num(3), num(2)),
			rss:  []sized{{"v2", 5, 0, "10", "13", 0}, {"v1", 8, 8, "10", "13", time.Minute}},
			want: []int32{3, 5}},
		{name: "equal sizes growing: the newer first", replicas: 5, strategy: rollingStrategy(num(1), num(0)),
			rss:  []sized{{"v2", 2, 0, "4", "5", 0}, {"v1", 2, 2, "4", "5", time.Minute}},
			want: []int32{4, 2}}, // the leftover goes to the first
		{name: "to zero", replicas: 0,
			rss:  []sized{{"v2", 2, 0, "4", "5", 0}, {"v1", 3, 3, "4", "5", time.Minute}},
			want: []int32{0, 0}},
		{name: "paused rollout scales proportionally too", replicas: 8, paused: true, strategy: rollingStrategy(num(1), num(0)),
			rss:  []sized{{"v2", 1, 1, "4", "5", 0}, {"v1", 4, 4, "4", "5", time.Minute}},
			want: []int32{2, 7}},
		{name: "saturated new ReplicaSet: old ones go to zero", replicas: 4, strategy: rollingStrategy(num(1), num(0)),
			rss:  []sized{{"v2", 4, 4, "4", "5", 0}, {"v1", 1, 1, "3", "4", time.Minute}},
			want: []int32{4, 0}},
		{name: "no max annotation: the deployment's present size stands in", replicas: 6, strategy: rollingStrategy(num(0), num(1)),
			rss:  []sized{{"v2", 1, 0, "3", "", 0}, {"v1", 2, 2, "3", "", time.Minute}},
			want: []int32{2, 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := deployment(tt.replicas, "jetplane/hello:"+tt.rss[0].image)
			d.Spec.Strategy = tt.strategy
			d.Spec.Paused = tt.paused
			d.Annotations = map[string]string{RevisionAnnotation: fmt.Sprint(len(tt.rss))}
			var rss []*appsv1.ReplicaSet
			for i, s := range tt.rss {
				rs := rsFor(d, "jetplane/hello:"+s.image, int32(len(tt.rss)-i), s.replicas, s.avail, s.age)
				for k, v := range map[string]string{DesiredReplicasAnnotation: s.desired, MaxReplicasAnnotation: s.maxLimit} {
					if v != "" {
						rs.Annotations[k] = v
					}
				}
				d.Status.Replicas += s.replicas
				rss = append(rss, rs)
			}
			res := DecideDeployment(DeploymentInput{Deployment: d, ReplicaSets: rss, Now: t0})
			if len(changesOf(res, Create, "replicasets")) != 0 {
				t.Fatal("scaling created a replicaset")
			}
			w := newWorld(t, d, rss...)
			w.apply(res)
			surge, _ := fenceposts(d, tt.replicas)
			for i, want := range tt.want {
				rs := w.rss[i]
				if got := *rs.Spec.Replicas; got != want {
					t.Fatalf("replicaset %d (%s) at %d, want %d; all: %v", i, tt.rss[i].image, got, want, w.byImage())
				}
				if want == 0 && tt.rss[i].replicas == 0 {
					continue // not active: left alone
				}
				// Every active one is marked as sized for this count, so the
				// next decision sees no scaling event any more.
				if rs.Annotations[DesiredReplicasAnnotation] != itoa(tt.replicas) || rs.Annotations[MaxReplicasAnnotation] != itoa(tt.replicas+surge) {
					t.Fatalf("replicaset %d annotations %v", i, rs.Annotations)
				}
			}
			if c := getCondition(&w.d.Status, appsv1.DeploymentProgressing); c != nil && c.Reason == ReasonNewReplicaSetCreated {
				t.Fatalf("scaling reported a rollout step: %+v", c)
			}
		})
	}
}
