package replicacontroller

import (
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// rolledOutPods starts a Deployment and waits for its pods.
func rolledOutPods(t *testing.T, h *harness, name string, replicas int32) *appsv1.Deployment {
	t.Helper()
	h.create("deployments", webDeployment("default", name, "jetplane/hello:1", replicas))
	eventstest.Eventually(t, wait, func() error { return h.rolledOut("default", name, "jetplane/hello:1", replicas) })
	return h.deployment("default", name)
}

func (h *harness) deleteWith(res, ns, name string, policy metav1.DeletionPropagation) {
	h.t.Helper()
	e := h.view.State().Live(res, ns, name)
	w := events.PropagatedDeleteWrite(events.MustLookup(res), e.Object.DeepCopyObject().(events.Object), e.Seq, -1, policy, time.Now())
	if err := h.write(w); err != nil {
		h.t.Fatal(err)
	}
}

// Orphan: the ReplicaSet loses its owner and keeps its pods; then the
// Deployment goes.
func TestDeleteOrphan(t *testing.T) {
	t.Parallel()
	h := start(t)
	d := rolledOutPods(t, h, "web", 2)
	rs := h.replicaSets(d)[0]
	h.deleteWith("deployments", "default", "web", metav1.DeletePropagationOrphan)
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		st := h.view.State()
		if st.Live("deployments", "default", "web") != nil {
			return errors.New("deployment still there")
		}
		cur := st.Live("replicasets", "default", rs.Name)
		if cur == nil || len(cur.Object.GetOwnerReferences()) != 0 || cur.Object.GetDeletionTimestamp() != nil {
			return fmt.Errorf("replicaset %v", cur)
		}
		if n := len(h.podsOf(rs)); n != 2 {
			return fmt.Errorf("%d pods of the orphaned replicaset", n)
		}
		return nil
	})
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
}

// Foreground: the pods go, then the ReplicaSet, then the Deployment, in
// that order in the log.
func TestDeleteForeground(t *testing.T) {
	t.Parallel()
	h := start(t)
	d := rolledOutPods(t, h, "web", 2)
	rs := h.replicaSets(d)[0]
	pods := h.podsOf(rs)
	h.deleteWith("deployments", "default", "web", metav1.DeletePropagationForeground)
	eventstest.Eventually(t, wait, func() error {
		if err := h.catchUp(); err != nil {
			return err
		}
		if e := h.view.State().Get("deployments", "default", "web"); !e.Deleted() {
			return errors.New("deployment still there")
		}
		return nil
	})
	deletedAt := func(res, name string) uint64 {
		e := h.view.State().Get(res, "default", name)
		if e == nil || !e.Deleted() {
			t.Fatalf("%s %s not deleted", res, name)
		}
		return e.Seq
	}
	deployment, replicaSet := deletedAt("deployments", "web"), deletedAt("replicasets", rs.Name)
	for _, p := range pods {
		if at := deletedAt("pods", p.Name); at > replicaSet {
			t.Fatalf("pod %s deleted at %d, after its replicaset (%d)", p.Name, at, replicaSet)
		}
	}
	if replicaSet > deployment {
		t.Fatalf("replicaset deleted at %d, after the deployment (%d)", replicaSet, deployment)
	}
	// The Deployment waited, marked, with its finalizer until then.
	ev, err := h.log.Get(h.ctx, deployment)
	if err != nil {
		t.Fatal(err)
	}
	if ev.Actor != "system:jetplane:replicacontroller" {
		t.Fatalf("deployment deleted by %q", ev.Actor)
	}
	eventstest.Quiet(t, h.log, 600*time.Millisecond, wait)
}
