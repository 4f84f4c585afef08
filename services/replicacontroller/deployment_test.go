package replicacontroller

import (
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// bindAndReady plays scheduler and node agent for every pending pod of a
// namespace: bound to node-1, running and ready.
func (h *harness) bindAndReady(ns string) error {
	for _, e := range h.view.State().List("pods", ns, nil) {
		p := e.Object.(*corev1.Pod)
		if p.Status.Phase != corev1.PodPending || p.DeletionTimestamp != nil {
			continue
		}
		c := p.DeepCopy()
		c.Spec.NodeName = "node-1"
		c.Status.Phase = corev1.PodRunning
		c.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(time.Now().UTC().Truncate(time.Second))}}
		if err := h.write(events.Write{Resource: events.MustLookup("pods"), Change: "ready", Object: c, Expected: e.Seq}); err != nil {
			return err
		}
	}
	return nil
}

func (h *harness) podsWithImage(ns, image string) (live, terminating int) {
	for _, e := range h.view.State().List("pods", ns, nil) {
		p := e.Object.(*corev1.Pod)
		if p.Spec.Containers[0].Image != image {
			continue
		}
		if p.DeletionTimestamp != nil {
			terminating++
		} else {
			live++
		}
	}
	return live, terminating
}

// TestRecreateWaitsForTerminatingPods: with the Recreate strategy the new
// ReplicaSet gets no pod while an old pod is still terminating on its node,
// and gets them as soon as the node reports the last one gone.
func TestRecreateWaitsForTerminatingPods(t *testing.T) {
	t.Parallel()
	// No periodic resync: the pod's deletion itself must wake the Deployment.
	h := startWith(t, Config{Resync: time.Hour})
	d := webDeployment("default", "web", "jetplane/hello:1", 2)
	d.Spec.Strategy.Type = appsv1.RecreateDeploymentStrategyType
	h.create("deployments", d)
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		if err := h.bindAndReady("default"); err != nil {
			return err
		}
		if live, _ := h.podsWithImage("default", "jetplane/hello:1"); live != 2 {
			return fmt.Errorf("%d pods of v1", live)
		}
		if d := h.deployment("default", "web"); d.Status.AvailableReplicas != 2 {
			return fmt.Errorf("deployment status %+v", d.Status)
		}
		return nil
	})

	e := h.view.State().Live("deployments", "default", "web")
	next := e.Object.(*appsv1.Deployment).DeepCopy()
	next.Spec.Template.Spec.Containers[0].Image = "jetplane/hello:2"
	next.Generation++
	if err := h.write(events.Write{Resource: events.MustLookup("deployments"), Change: events.Updated, Object: next, Expected: e.Seq}); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		if live, term := h.podsWithImage("default", "jetplane/hello:1"); live != 0 || term != 2 {
			return fmt.Errorf("v1 pods: %d live, %d terminating", live, term)
		}
		return nil
	})
	// Settled with the old pods still terminating: not one new pod.
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
	if live, _ := h.podsWithImage("default", "jetplane/hello:2"); live != 0 {
		t.Fatalf("%d v2 pods while v1 pods terminate", live)
	}

	// The agent reports the old pods gone, one by one; one left is enough
	// to hold the new ReplicaSet back.
	for i, e := range h.view.State().List("pods", "default", nil) {
		w := events.Write{Resource: events.MustLookup("pods"), Change: events.Deleted, Object: e.Object, Expected: e.Seq}
		if err := h.write(w); err != nil {
			t.Fatal(err)
		}
		if i == 0 {
			eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
			if live, _ := h.podsWithImage("default", "jetplane/hello:2"); live != 0 {
				t.Fatalf("%d v2 pods while a v1 pod terminates", live)
			}
		}
	}
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		if err := h.bindAndReady("default"); err != nil {
			return err
		}
		return h.rolledOut("default", "web", "jetplane/hello:2", 2)
	})
}
