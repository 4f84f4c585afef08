package rollout

import (
	"fmt"
	"testing"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// world plays decisions against a pretend cluster: it applies every change
// to its Deployment and ReplicaSets, and moves their pods the way the test
// says, so multi-step rules can be checked step by step.
type world struct {
	t   *testing.T
	d   *appsv1.Deployment
	rss []*appsv1.ReplicaSet
	now time.Time
	uid int
	// healthy says whether pods of a template image become available.
	healthy func(image string) bool
	// perStep caps how many pods of each ReplicaSet become available per
	// settle; 0: all at once.
	perStep int32
}

func newWorld(t *testing.T, d *appsv1.Deployment, rss ...*appsv1.ReplicaSet) *world {
	return &world{t: t, d: d, rss: rss, now: t0, healthy: func(string) bool { return true }}
}

// decide runs one decision on the world as it stands and applies it.
func (w *world) decide() Result {
	w.t.Helper()
	res := DecideDeployment(DeploymentInput{Deployment: w.d, ReplicaSets: w.rss, Now: w.now})
	w.apply(res)
	return res
}

func (w *world) apply(res Result) {
	for _, c := range res.Changes {
		switch o := c.Object.(type) {
		case *appsv1.Deployment:
			w.d = o.DeepCopy()
		case *appsv1.ReplicaSet:
			o = o.DeepCopy()
			switch c.Action {
			case Create:
				w.uid++
				o.UID = types.UID(fmt.Sprintf("rs-uid-%d", w.uid))
				o.CreationTimestamp = metav1.NewTime(w.now)
				o.Generation = 1
				o.Status = appsv1.ReplicaSetStatus{}
				w.rss = append(w.rss, o)
			case Delete:
				w.rss = without(w.rss, o.Name)
			default:
				if i := w.index(o.Name); i >= 0 {
					o.Status = w.rss[i].Status
					w.rss[i] = o
				}
			}
		}
	}
}

func without(rss []*appsv1.ReplicaSet, name string) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, rs := range rss {
		if rs.Name != name {
			out = append(out, rs)
		}
	}
	return out
}

func (w *world) index(name string) int {
	for i, rs := range w.rss {
		if rs.Name == name {
			return i
		}
	}
	return -1
}

// settle plays the ReplicaSet controller and the pods: extra pods go at
// once, missing ones start, and healthy ones become ready and available
// (perStep at a time).
func (w *world) settle() {
	for _, rs := range w.rss {
		want := *rs.Spec.Replicas
		st := &rs.Status
		st.Replicas, st.FullyLabeledReplicas, st.ObservedGeneration = want, want, rs.Generation
		st.AvailableReplicas = min(st.AvailableReplicas, want)
		if w.healthy(rs.Spec.Template.Spec.Containers[0].Image) {
			grow := want - st.AvailableReplicas
			if w.perStep > 0 {
				grow = min(grow, w.perStep)
			}
			st.AvailableReplicas += grow
		}
		st.ReadyReplicas = st.AvailableReplicas
	}
}

// byImage sums spec replicas and available pods per template image.
func (w *world) byImage() map[string][2]int32 {
	out := map[string][2]int32{}
	for _, rs := range w.rss {
		img := rs.Spec.Template.Spec.Containers[0].Image
		v := out[img]
		out[img] = [2]int32{v[0] + *rs.Spec.Replicas, v[1] + rs.Status.AvailableReplicas}
	}
	return out
}

func (w *world) totals() (spec, available int32) {
	for _, rs := range w.rss {
		spec += *rs.Spec.Replicas
		available += rs.Status.AvailableReplicas
	}
	return spec, available
}

// setImage changes the template as kubectl set image does (a new generation).
func (w *world) setImage(image string) {
	w.d = w.d.DeepCopy()
	w.d.Spec.Template.Spec.Containers[0].Image = image
	w.d.Generation++
}

func (w *world) setReplicas(n int32) {
	w.d = w.d.DeepCopy()
	w.d.Spec.Replicas = &n
	w.d.Generation++
}

func (w *world) rsOf(image string) *appsv1.ReplicaSet {
	for _, rs := range w.rss {
		if rs.Spec.Template.Spec.Containers[0].Image == image {
			return rs
		}
	}
	return nil
}
