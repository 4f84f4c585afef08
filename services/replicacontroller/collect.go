package replicacontroller

import (
	"context"
	"slices"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/replicacontroller/gc"
	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// collect applies garbage collection to one object: as an owner being
// deleted, it sheds the finalizers whose work is done (the last one gone,
// it is deleted); as a dependent, it follows its owners' deletion policies.
func (c *replicaController) collect(ctx context.Context, key, resource, ns, name string) error {
	st := c.proj.State()
	res, ok := events.Lookup(resource)
	e := st.Live(resource, ns, name)
	if !ok || e == nil || resource == "namespaces" {
		c.takeCause(key, nil)
		return nil
	}
	obj := e.Object
	dependents := st.OwnedBy(obj.GetUID())
	if waitsForFinalizers(obj) {
		in := gc.FinalizerInput{Deleting: true, Finalizers: obj.GetFinalizers()}
		for _, d := range dependents {
			for _, r := range d.Object.GetOwnerReferences() {
				if r.UID == obj.GetUID() {
					in.Dependents = append(in.Dependents, gc.Dependent{Blocking: r.BlockOwnerDeletion != nil && *r.BlockOwnerDeletion})
				}
			}
		}
		if finalizers, changed := gc.Finalize(in); changed {
			cp := obj.DeepCopyObject().(events.Object)
			cp.SetFinalizers(finalizers)
			return c.apply(ctx, key, c.takeCause(key, e), []workload.Change{
				{Action: workload.Update, Resource: resource, Object: cp, Expected: e.Seq}})
		}
	}
	d := gc.Decide(gc.Input{
		References:    obj.GetOwnerReferences(),
		Owner:         func(r metav1.OwnerReference) gc.OwnerState { return ownerState(st, ns, r) },
		Terminating:   obj.GetDeletionTimestamp() != nil,
		NamespaceGone: res.Namespaced && namespaceGone(st, ns),
		HasDependents: len(dependents) > 0,
	})
	cp := obj.DeepCopyObject().(events.Object)
	var ch workload.Change
	switch d.Action {
	case gc.Keep:
		c.takeCause(key, nil)
		return nil
	case gc.Delete:
		ch = workload.Change{Action: workload.Delete, Resource: resource, Object: cp, Expected: e.Seq, Propagation: d.Propagation}
	case gc.RemoveOwners:
		cp.SetOwnerReferences(d.Keep)
		ch = workload.Change{Action: workload.Update, Resource: resource, Object: cp, Expected: e.Seq}
	}
	return c.apply(ctx, key, c.takeCause(key, e), []workload.Change{ch})
}

// waitsForFinalizers: the object is being deleted and has finalizers left.
func waitsForFinalizers(obj metav1.Object) bool {
	return obj.GetDeletionTimestamp() != nil && len(obj.GetFinalizers()) > 0
}

// ownerState looks an owner up by kind, name and UID. Owners of namespaced
// objects live in the same namespace or are cluster-scoped. An owner being
// deleted with the orphan or foregroundDeletion finalizer says so.
func ownerState(st *projections.State, ns string, ref metav1.OwnerReference) gc.OwnerState {
	owner := ownerEntry(st, ns, ref)
	switch {
	case owner == nil:
		if _, known := ownerResource(ref); !known {
			return gc.Unknown
		}
		return gc.Absent
	case owner.Object.GetDeletionTimestamp() == nil:
		return gc.Present
	case slices.Contains(owner.Object.GetFinalizers(), events.FinalizerOrphan):
		return gc.Orphaning
	case slices.Contains(owner.Object.GetFinalizers(), events.FinalizerForeground):
		return gc.DeletingDependents
	}
	return gc.Present
}

// ownerResource is the kind a reference names, by its group and kind: two
// groups may have one kind (a custom Foo beside another's Foo).
func ownerResource(ref metav1.OwnerReference) (events.Resource, bool) {
	gv, err := schema.ParseGroupVersion(ref.APIVersion)
	if err != nil {
		return events.Resource{}, false
	}
	return events.LookupGroupKind(gv.Group, ref.Kind)
}

// ownerEntry is the live owner a reference names, nil when there is none
// with its UID.
func ownerEntry(st *projections.State, ns string, ref metav1.OwnerReference) *projections.Entry {
	res, ok := ownerResource(ref)
	if !ok {
		return nil
	}
	if !res.Namespaced {
		ns = ""
	}
	if e := st.Live(res.Name, ns, ref.Name); e != nil && e.Object.GetUID() == ref.UID {
		return e
	}
	return nil
}

// markCollectors marks the garbage collection keys an event may concern:
// an object that starts or goes on waiting for its finalizers, and its
// dependents (its deletion policy reaches them); and the owners of an
// object that went away or dropped references, when they wait for their
// dependents.
func (c *replicaController) markCollectors(st *projections.State, prev, cur *projections.Entry, cause events.Cause) {
	if !cur.Deleted() && waitsForFinalizers(cur.Object) {
		c.mark(gcKey(cur.Resource, cur.Namespace, cur.Name), cause)
		for _, d := range st.OwnedBy(cur.Object.GetUID()) {
			c.mark(gcKey(d.Resource, d.Namespace, d.Name), cause)
		}
	}
	if prev == nil || prev.Deleted() {
		return
	}
	for _, ref := range prev.Object.GetOwnerReferences() {
		if !cur.Deleted() && slices.ContainsFunc(cur.Object.GetOwnerReferences(), func(r metav1.OwnerReference) bool { return r.UID == ref.UID }) {
			continue
		}
		if owner := ownerEntry(st, prev.Namespace, ref); owner != nil && waitsForFinalizers(owner.Object) {
			c.mark(gcKey(owner.Resource, owner.Namespace, owner.Name), cause)
		}
	}
}
