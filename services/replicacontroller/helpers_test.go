package replicacontroller

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/replicacontroller/rollout"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var testOrigin = events.Origin{Source: "jetplane/test", Actor: "tester"}

// harness runs the controller against a fresh embedded JetStream and keeps
// its own projection for the test's reads.
type harness struct {
	t    *testing.T
	ctx  context.Context
	log  *natslog.Log
	view *projections.Projection
}

func start(t *testing.T) *harness {
	t.Helper()
	return startWith(t, Config{})
}

// startWith runs the controller with cfg (log, instance and a 250ms resync
// filled in).
func startWith(t *testing.T, cfg Config) *harness {
	t.Helper()
	l := eventstest.Log(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	cfg.Log, cfg.Instance = l, "test"
	if cfg.Resync == 0 {
		cfg.Resync = 250 * time.Millisecond
	}
	go func() { done <- Run(ctx, cfg) }()
	view := projections.New(l, "test-view")
	if err := view.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil && !errors.Is(err, context.Canceled) {
				t.Errorf("Run: %v", err)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("Run did not stop")
		}
	})
	return &harness{t: t, ctx: ctx, log: l, view: view}
}

// write appends a change and waits until the test's view has it.
func (h *harness) write(w events.Write) error {
	ev, err := h.log.Write(h.ctx, testOrigin, w)
	if err != nil {
		return err
	}
	return h.view.WaitFor(h.ctx, ev.Seq)
}

func (h *harness) create(res string, obj events.Object) {
	h.t.Helper()
	events.PrepareCreate(obj, time.Now())
	var expected uint64
	if e := h.view.State().Get(res, obj.GetNamespace(), obj.GetName()); e != nil {
		expected = e.Seq
	}
	if err := h.write(events.Write{Resource: events.MustLookup(res), Change: events.Created, Object: obj, Expected: expected}); err != nil {
		h.t.Fatal(err)
	}
}

// catchUp brings the view up to the stream's end.
func (h *harness) catchUp() error {
	_, last, err := h.log.Bounds(h.ctx)
	if err != nil {
		return err
	}
	return h.view.WaitFor(h.ctx, last)
}

func (h *harness) deployment(ns, name string) *appsv1.Deployment {
	if e := h.view.State().Live("deployments", ns, name); e != nil {
		return e.Object.(*appsv1.Deployment)
	}
	return nil
}

// replicaSets returns the ReplicaSets a Deployment controls.
func (h *harness) replicaSets(d *appsv1.Deployment) []*appsv1.ReplicaSet {
	var out []*appsv1.ReplicaSet
	for _, e := range h.view.State().OwnedBy(d.UID) {
		if rs, ok := e.Object.(*appsv1.ReplicaSet); ok && rollout.ControllerUID(rs) == d.UID {
			out = append(out, rs)
		}
	}
	return out
}

func (h *harness) podsOf(uid metav1.Object) []*corev1.Pod {
	var out []*corev1.Pod
	for _, e := range h.view.State().OwnedBy(uid.GetUID()) {
		if p, ok := e.Object.(*corev1.Pod); ok && rollout.ControllerUID(p) == uid.GetUID() {
			out = append(out, p)
		}
	}
	return out
}

// markReady plays the node agent: every pending pod of the namespace is
// bound, running and ready. Conflicts are fine: the caller polls again.
func (h *harness) markReady(ns string) error {
	for _, e := range h.view.State().List("pods", ns, nil) {
		p := e.Object.(*corev1.Pod)
		if p.Status.Phase != corev1.PodPending || p.DeletionTimestamp != nil {
			continue
		}
		c := p.DeepCopy()
		now := metav1.NewTime(time.Now().UTC().Truncate(time.Second))
		c.Status.Phase = corev1.PodRunning
		c.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue, LastTransitionTime: now}}
		if err := h.write(events.Write{Resource: events.MustLookup("pods"), Change: "ready", Object: c, Expected: e.Seq}); err != nil && !errors.Is(err, events.ErrConflict) {
			return err
		}
	}
	return nil
}

func webDeployment(ns, name, image string, replicas int32) *appsv1.Deployment {
	labels := map[string]string{"app": name}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: image}}},
			},
		},
	}
}
