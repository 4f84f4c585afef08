package replicacontroller

import (
	"context"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/replicacontroller/rollout"
	"github.com/sirupsen/logrus"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// syncDeployment hands one Deployment and its ReplicaSets to the rollout decision.
func (c *replicaController) syncDeployment(ctx context.Context, key, ns, name string) (time.Duration, error) {
	st := c.proj.State()
	e := st.Live("deployments", ns, name)
	if e == nil {
		c.takeCause(key, nil)
		return 0, nil // gone: garbage collection takes its ReplicaSets
	}
	d, ok := e.Object.(*appsv1.Deployment)
	if !ok {
		return 0, nil
	}
	in := rollout.DeploymentInput{
		Deployment: d,
		NameTaken:  func(n string) bool { return st.Live("replicasets", ns, n) != nil },
		Now:        c.cfg.Now(),
	}
	for _, oe := range st.OwnedBy(d.UID) {
		if rs, ok := oe.Object.(*appsv1.ReplicaSet); ok && rollout.ControllerUID(rs) == d.UID {
			in.ReplicaSets = append(in.ReplicaSets, rs)
			in.Pods = append(in.Pods, controlledPods(st, rs.UID)...)
		}
	}
	if sel := selectorOf(d); sel != nil {
		for _, oe := range st.List("replicasets", ns, sel) {
			if rs, ok := oe.Object.(*appsv1.ReplicaSet); ok && rollout.ControllerUID(rs) == "" {
				in.Orphans = append(in.Orphans, rs)
			}
		}
	}
	res := rollout.DecideDeployment(in)
	return res.Requeue, c.apply(ctx, key, c.takeCause(key, e), res.Changes)
}

// controlledPods are the live pods whose controller has the given UID.
func controlledPods(st *projections.State, uid types.UID) []*corev1.Pod {
	var out []*corev1.Pod
	for _, e := range st.OwnedBy(uid) {
		if p, ok := e.Object.(*corev1.Pod); ok && rollout.ControllerUID(p) == uid {
			out = append(out, p)
		}
	}
	return out
}

// markRecreateDeployment marks the Recreate Deployment whose ReplicaSet
// owned a pod that is now gone: the new ReplicaSet waits for exactly that,
// and the ReplicaSet's own status does not change when a terminating pod
// finally goes.
func (c *replicaController) markRecreateDeployment(st *projections.State, prev, cur *projections.Entry, cause events.Cause) {
	if cur.Resource != "pods" || !cur.Deleted() || prev == nil || prev.Deleted() {
		return
	}
	ref := metav1.GetControllerOfNoCopy(prev.Object)
	if ref == nil || ref.Kind != "ReplicaSet" {
		return
	}
	rs := st.Live("replicasets", cur.Namespace, ref.Name)
	if rs == nil {
		return
	}
	dref := metav1.GetControllerOfNoCopy(rs.Object)
	if dref == nil || dref.Kind != "Deployment" {
		return
	}
	if e := st.Live("deployments", cur.Namespace, dref.Name); e != nil {
		if d, ok := e.Object.(*appsv1.Deployment); ok && d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
			c.mark(objectKey("deployments", cur.Namespace, dref.Name), cause)
		}
	}
}

// syncReplicaSet hands one ReplicaSet and its pods to the replica decision.
func (c *replicaController) syncReplicaSet(ctx context.Context, key, ns, name string) (time.Duration, error) {
	st := c.proj.State()
	e := st.Live("replicasets", ns, name)
	if e == nil {
		c.takeCause(key, nil)
		return 0, nil
	}
	rs, ok := e.Object.(*appsv1.ReplicaSet)
	if !ok {
		return 0, nil
	}
	in := rollout.ReplicaSetInput{ReplicaSet: rs, Now: c.cfg.Now(), PodName: c.cfg.PodName}
	in.Pods, in.Orphans = controlled[*corev1.Pod](st, "pods", ns, rs.UID, selectorOf(rs))
	res := rollout.DecideReplicaSet(in)
	return res.Requeue, c.apply(ctx, key, c.takeCause(key, e), res.Changes)
}

// apply appends the changes in order. A change of an object written earlier
// in the same batch expects that write's sequence; a create expects the
// tombstone of an earlier object of the same name, if any. Several changes
// of distinct objects (a ReplicaSet's new pods) go as atomic batches: one
// round trip each instead of one per pod, and every expectation still
// checked.
func (c *replicaController) apply(ctx context.Context, key string, cause events.Cause, changes []rollout.Change) error {
	st := c.proj.State()
	written := map[string]uint64{}
	var last uint64
	var batch []events.Write
	atomic := batchable(changes)
	admission := newPodAdmission(st)
	for _, ch := range changes {
		res, ok := events.Lookup(ch.Resource)
		if !ok {
			return fmt.Errorf("change of unknown resource %q", ch.Resource)
		}
		if pod, ok := ch.Object.(*corev1.Pod); ok && ch.Action == rollout.Create {
			if msg := admission.admit(pod); msg != "" {
				c.log.WithFields(logrus.Fields{"key": key, "pod": pod.Namespace + "/" + pod.Name}).
					Warnf("FailedCreate: pods %q is forbidden: %s", pod.Name, msg)
				continue
			}
		}
		ns, name := ch.Object.GetNamespace(), ch.Object.GetName()
		if !res.Namespaced {
			ns = ""
		}
		subject := events.Subject(res.Name, ns, name)
		expected := ch.Expected
		if seq, ok := written[subject]; ok {
			expected = seq
		}
		now := c.cfg.Now()
		var w events.Write
		switch ch.Action {
		case rollout.Create:
			// A decision may name the UID of what it creates (a Job's
			// generated selector refers to it).
			uid := ch.Object.GetUID()
			events.PrepareCreate(ch.Object, now)
			if uid != "" {
				ch.Object.SetUID(uid)
			}
			if e := st.Get(res.Name, ns, name); e != nil && e.Deleted() {
				expected = e.Seq
			}
			w = events.Write{Resource: res, Change: events.Created, Object: ch.Object, Expected: expected}
		case rollout.Delete:
			w = events.PropagatedDeleteWrite(res, ch.Object, expected, -1, ch.Propagation, now)
		default:
			w = events.Write{Resource: res, Change: string(ch.Action), Object: ch.Object, Expected: expected}
			// An update that empties the finalizers of an object being
			// deleted deletes it.
			if old := st.Live(res.Name, ns, name); old != nil && old.Seq == expected {
				w = events.UpdateWrite(res, old.Object, ch.Object, string(ch.Action), expected)
			}
		}
		w.Cause = cause
		if atomic {
			batch = append(batch, w)
			continue
		}
		if err := c.writer.Apply(ctx, w); err != nil {
			return fmt.Errorf("%s %s %s: %w", w.Change, res.Singular, projections.Key(ns, name), err)
		}
		seq, _ := events.ParseRV(w.Object.GetResourceVersion())
		written[subject] = seq
		last = seq
		c.log.WithFields(logrus.Fields{"key": key, "seq": seq, "change": w.Change,
			"object": res.Singular + " " + projections.Key(ns, name)}).Debug("written")
	}
	if len(batch) > 0 {
		if err := c.writer.ApplyAtomic(ctx, batch...); err != nil {
			return err
		}
		last, _ = events.ParseRV(batch[len(batch)-1].Object.GetResourceVersion())
	}
	if len(changes) > 0 {
		c.log.WithFields(logrus.Fields{"key": key, "seq": last, "changes": len(changes)}).Info("reconciled")
	}
	return nil
}

// batchable: more than one change, no two of the same object, so none
// depends on another's sequence.
func batchable(changes []rollout.Change) bool {
	if len(changes) < 2 {
		return false
	}
	seen := make(map[string]bool, len(changes))
	for _, ch := range changes {
		k := ch.Resource + "/" + ch.Object.GetNamespace() + "/" + ch.Object.GetName()
		if seen[k] {
			return false
		}
		seen[k] = true
	}
	return true
}
