package events

import (
	"slices"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Pod changes used by every writer.
const (
	// Terminating: deletionTimestamp is set; a bound pod's node agent, or an
	// object's finalizers, still have to finish before it is deleted.
	Terminating  = "terminating"
	Scheduled    = "scheduled"
	StatusChange = "status"
)

// The finalizers of garbage collection, as Kubernetes names them.
const (
	FinalizerOrphan     = metav1.FinalizerOrphanDependents // dependents lose their reference first
	FinalizerForeground = metav1.FinalizerDeleteDependents // blocking dependents are deleted first
)

// DeleteWrite is the one rule for deleting an object, as Kubernetes does it:
// a pod bound to a node is first marked terminating (deletionTimestamp and a
// grace period) so its node agent can stop it and then delete it; an object
// with finalizers is only marked (deletionTimestamp) and goes once an update
// empties them (see UpdateWrite); anything else, or a pod with a grace
// period of 0, is deleted at once. obj is changed in place (it must be a
// copy); expected is the Entry.Seq the caller read. grace < 0 means the
// pod's own terminationGracePeriodSeconds (default 30).
func DeleteWrite(res Resource, obj Object, expected uint64, grace int64, now time.Time) Write {
	pod, isPod := obj.(*corev1.Pod)
	graceful := isPod && pod.Spec.NodeName != "" && grace != 0 && !isFinished(pod)
	if !graceful && len(obj.GetFinalizers()) == 0 {
		return Write{Resource: res, Change: Deleted, Object: obj, Expected: expected}
	}
	if !graceful {
		markDeleting(obj, 0, now)
		return Write{Resource: res, Change: Terminating, Object: obj, Expected: expected}
	}
	if grace < 0 {
		grace = 30
		if pod.Spec.TerminationGracePeriodSeconds != nil {
			grace = *pod.Spec.TerminationGracePeriodSeconds
		}
	}
	markDeleting(obj, grace, now)
	return Write{Resource: res, Change: Terminating, Object: obj, Expected: expected}
}

// markDeleting sets deletionTimestamp once; a later delete may only shorten
// the grace period, as in Kubernetes.
func markDeleting(obj Object, grace int64, now time.Time) {
	if obj.GetDeletionTimestamp() == nil {
		t := metav1.NewTime(now.UTC().Truncate(time.Second))
		obj.SetDeletionTimestamp(&t)
		obj.SetDeletionGracePeriodSeconds(&grace)
		return
	}
	if g := obj.GetDeletionGracePeriodSeconds(); g == nil || grace < *g {
		obj.SetDeletionGracePeriodSeconds(&grace)
	}
}

// PropagatedDeleteWrite is DeleteWrite with a garbage collection policy:
// Orphan and Foreground put their finalizer on the object (and take the
// other one off), so that it stays, marked, until the garbage collector has
// orphaned or deleted its dependents; Background (or "") leaves the
// finalizers as they are.
func PropagatedDeleteWrite(res Resource, obj Object, expected uint64, grace int64,
	policy metav1.DeletionPropagation, now time.Time) Write {
	switch policy {
	case metav1.DeletePropagationOrphan:
		obj.SetFinalizers(withFinalizer(obj.GetFinalizers(), FinalizerOrphan, FinalizerForeground))
	case metav1.DeletePropagationForeground:
		obj.SetFinalizers(withFinalizer(obj.GetFinalizers(), FinalizerForeground, FinalizerOrphan))
	}
	return DeleteWrite(res, obj, expected, grace, now)
}

// withFinalizer returns fs with add present and drop absent.
func withFinalizer(fs []string, add, drop string) []string {
	out := make([]string, 0, len(fs)+1)
	for _, f := range fs {
		if f != drop {
			out = append(out, f)
		}
	}
	if !slices.Contains(out, add) {
		out = append(out, add)
	}
	return out
}

// UpdateWrite makes the write of an update from old to next: an update that
// empties the finalizers of an object being deleted deletes it, as
// Kubernetes does, unless it is a pod its node agent still has to stop
// (bound, not finished, with a grace period left).
func UpdateWrite(res Resource, old, next Object, change string, expected uint64) Write {
	w := Write{Resource: res, Change: change, Object: next, Expected: expected}
	if old.GetDeletionTimestamp() == nil || len(old.GetFinalizers()) == 0 || len(next.GetFinalizers()) > 0 {
		return w
	}
	if pod, ok := next.(*corev1.Pod); ok && pod.Spec.NodeName != "" && !isFinished(pod) {
		if g := pod.DeletionGracePeriodSeconds; g == nil || *g > 0 {
			return w
		}
	}
	w.Change = Deleted
	return w
}

// isFinished: a pod whose containers all ended has nothing left to stop.
func isFinished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}
