package replicacontroller

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/replicacontroller/rollout"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const wait = 20 * time.Second

// rolledOut checks that a Deployment is fully on the ReplicaSet of image,
// with every pod ready, its old ReplicaSets empty, and its status saying so.
func (h *harness) rolledOut(ns, name, image string, replicas int32) error {
	if err := h.catchUp(); err != nil {
		return err
	}
	if err := h.markReady(ns); err != nil {
		return err
	}
	d := h.deployment(ns, name)
	if d == nil {
		return errors.New("no deployment")
	}
	var cur *appsv1.ReplicaSet
	for _, rs := range h.replicaSets(d) {
		if rs.Spec.Template.Spec.Containers[0].Image == image {
			cur = rs
			continue
		}
		if *rs.Spec.Replicas != 0 || rs.Status.Replicas != 0 || len(h.podsOf(rs)) != 0 {
			return fmt.Errorf("old replicaset %s still has replicas (spec %d status %d)", rs.Name, *rs.Spec.Replicas, rs.Status.Replicas)
		}
	}
	if cur == nil {
		return fmt.Errorf("no replicaset for %s", image)
	}
	hash := cur.Labels[rollout.PodTemplateHashLabel]
	if hash == "" || cur.Name != name+"-"+hash || cur.Spec.Selector.MatchLabels[rollout.PodTemplateHashLabel] != hash {
		return fmt.Errorf("replicaset %s: hash label %q, selector %v", cur.Name, hash, cur.Spec.Selector)
	}
	pods := h.podsOf(cur)
	if len(pods) != int(replicas) {
		return fmt.Errorf("%d pods, want %d", len(pods), replicas)
	}
	for _, p := range pods {
		if p.Labels[rollout.PodTemplateHashLabel] != hash || p.Spec.Containers[0].Image != image {
			return fmt.Errorf("pod %s: labels %v image %s", p.Name, p.Labels, p.Spec.Containers[0].Image)
		}
	}
	if s := cur.Status; s.Replicas != replicas || s.ReadyReplicas != replicas || s.AvailableReplicas != replicas {
		return fmt.Errorf("replicaset status %+v", s)
	}
	s := d.Status
	if s.ObservedGeneration != d.Generation || s.Replicas != replicas || s.UpdatedReplicas != replicas ||
		s.ReadyReplicas != replicas || s.AvailableReplicas != replicas || s.UnavailableReplicas != 0 {
		return fmt.Errorf("deployment status %+v", s)
	}
	if c := cond(d, appsv1.DeploymentAvailable); c == nil || c.Status != corev1.ConditionTrue {
		return fmt.Errorf("available condition %+v", c)
	}
	if c := cond(d, appsv1.DeploymentProgressing); c == nil || c.Reason != rollout.ReasonNewReplicaSetAvailable {
		return fmt.Errorf("progressing condition %+v", c)
	}
	if d.Annotations[rollout.RevisionAnnotation] != cur.Annotations[rollout.RevisionAnnotation] {
		return fmt.Errorf("revision: deployment %q, replicaset %q", d.Annotations[rollout.RevisionAnnotation], cur.Annotations[rollout.RevisionAnnotation])
	}
	return nil
}

func cond(d *appsv1.Deployment, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == t {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

func TestDeploymentLifecycle(t *testing.T) {
	t.Parallel()
	h := start(t)
	d := webDeployment("default", "web", "jetplane/hello:1", 3)
	h.create("deployments", d)

	// Pods appear Pending, owned by a ReplicaSet with the template hash.
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		rss := h.replicaSets(h.deployment("default", "web"))
		if len(rss) != 1 {
			return fmt.Errorf("%d replicasets", len(rss))
		}
		pods := h.podsOf(rss[0])
		if len(pods) != 3 {
			return fmt.Errorf("%d pods", len(pods))
		}
		for _, p := range pods {
			ref := metav1.GetControllerOf(p)
			if p.Status.Phase != corev1.PodPending || ref.Kind != "ReplicaSet" || ref.BlockOwnerDeletion == nil || !*ref.BlockOwnerDeletion {
				return fmt.Errorf("pod %s: phase %s ref %+v", p.Name, p.Status.Phase, ref)
			}
		}
		if rss[0].Annotations[rollout.RevisionAnnotation] != "1" {
			return fmt.Errorf("revision %q", rss[0].Annotations[rollout.RevisionAnnotation])
		}
		return nil
	})
	eventstest.Eventually(t, wait, func() error { return h.rolledOut("default", "web", "jetplane/hello:1", 3) })
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)

	// Writes of the controller are caused by ours.
	rs := h.replicaSets(h.deployment("default", "web"))[0]
	ev, err := h.log.Get(h.ctx, h.view.State().Get("replicasets", "default", rs.Name).Seq)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Actor != "system:jetplane:replicacontroller" || ev.Source != "jetplane/replicacontroller/test" || ev.CorrelationID == "" {
		t.Fatalf("replicaset event origin %q %q cause %q", ev.Actor, ev.Source, ev.CorrelationID)
	}

	// A new image rolls out to a second ReplicaSet.
	eventstest.Eventually(t, wait, func() error {
		e := h.view.State().Live("deployments", "default", "web")
		next := e.Object.(*appsv1.Deployment).DeepCopy()
		next.Spec.Template.Spec.Containers[0].Image = "jetplane/hello:2"
		next.Generation++
		return h.write(events.Write{Resource: events.MustLookup("deployments"), Change: events.Updated, Object: next, Expected: e.Seq})
	})
	eventstest.Eventually(t, wait, func() error { return h.rolledOut("default", "web", "jetplane/hello:2", 3) })
	d = h.deployment("default", "web")
	if n := len(h.replicaSets(d)); n != 2 {
		t.Fatalf("%d replicasets after the rollout, want the old one kept at 0", n)
	}
	if d.Annotations[rollout.RevisionAnnotation] != "2" {
		t.Fatalf("revision %q, want 2", d.Annotations[rollout.RevisionAnnotation])
	}
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)

	// Deleting the Deployment takes its ReplicaSets and pods with it.
	e := h.view.State().Live("deployments", "default", "web")
	w := events.DeleteWrite(events.MustLookup("deployments"), e.Object.DeepCopyObject().(events.Object), e.Seq, -1, time.Now())
	if err := h.write(w); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		st := h.view.State()
		if n, m := len(st.List("replicasets", "default", nil)), len(st.List("pods", "default", nil)); n+m != 0 {
			return fmt.Errorf("%d replicasets and %d pods left", n, m)
		}
		return nil
	})
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
}

// TestAdoptionAndCollection covers an orphan pod adopted, pods whose owner
// never existed collected (a bound one only marked terminating, and left
// alone after that), and a deleted namespace emptied.
func TestAdoptionAndCollection(t *testing.T) {
	t.Parallel()
	h := start(t)
	orphan := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "stray", Namespace: "team", Labels: map[string]string{"app": "api"}},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}
	h.create("namespaces", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "team"}})
	h.create("pods", orphan)
	dangling := orphan.DeepCopy()
	dangling.Name = "dangling"
	dangling.Labels = map[string]string{"app": "none"}
	dangling.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: "gone", UID: "no-such-uid"}}
	h.create("pods", dangling)
	bound := dangling.DeepCopy()
	bound.Name = "bound"
	bound.Spec.NodeName = "n1"
	h.create("pods", bound)

	replicas := int32(2)
	rs := &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Name: "api", Namespace: "team"},
		Spec: appsv1.ReplicaSetSpec{Replicas: &replicas, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "api"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"app": "api"}},
				Spec: orphan.Spec}}}
	h.create("replicasets", rs)

	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		st := h.view.State()
		if st.Live("pods", "team", "dangling") != nil {
			return errors.New("pod of a missing owner still there")
		}
		// A pod bound to a node terminates; its node agent deletes it.
		if b := st.Live("pods", "team", "bound"); b == nil || b.Object.GetDeletionTimestamp() == nil {
			return errors.New("bound pod of a missing owner not terminating")
		}
		stray := st.Live("pods", "team", "stray")
		if stray == nil || rollout.ControllerUID(stray.Object) != rs.UID {
			return errors.New("stray pod not adopted")
		}
		if n := len(h.podsOf(rs)); n != 2 {
			return fmt.Errorf("%d pods, want 2 (one adopted, one created)", n)
		}
		return nil
	})
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)

	ns := h.view.State().Live("namespaces", "", "team")
	if err := h.write(events.Write{Resource: events.MustLookup("namespaces"), Change: events.Deleted, Object: ns.Object, Expected: ns.Seq}); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		for _, e := range inNamespace(h.view.State(), "team") {
			if e.Object.GetDeletionTimestamp() == nil {
				return fmt.Errorf("%s %s left in a deleted namespace", e.Resource, e.Key())
			}
		}
		return nil
	})
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
}
