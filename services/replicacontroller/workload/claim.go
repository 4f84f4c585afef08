package workload

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// Claim sorts out what a controller manages, as Kubernetes' ClaimObjects
// does: owned objects that still match its selector are kept, owned ones
// that no longer match are released, and matching orphans (no controller,
// not being deleted) are adopted unless the controller itself is going away.
func Claim[T metav1.Object](owned, orphans []T, sel labels.Selector, controllerDeleting bool) (keep, adopt, release []T) {
	for _, o := range owned {
		if sel.Matches(labels.Set(o.GetLabels())) {
			keep = append(keep, o)
		} else if o.GetDeletionTimestamp() == nil {
			release = append(release, o)
		}
	}
	if controllerDeleting {
		return keep, nil, release
	}
	for _, o := range orphans {
		if metav1.GetControllerOfNoCopy(o) == nil && o.GetDeletionTimestamp() == nil && sel.Matches(labels.Set(o.GetLabels())) {
			adopt = append(adopt, o)
		}
	}
	return keep, adopt, release
}

// Claimed is a claim applied: the objects a controller now manages, and the
// copies to write (released without the controller's reference, adopted
// with it). Copy must deep-copy an object.
func Claimed[T metav1.Object](owned, orphans []T, sel labels.Selector, owner metav1.Object, gvk schema.GroupVersionKind,
	copy func(T) T) (managed, release, adopt []T) {
	keep, adopting, releasing := Claim(owned, orphans, sel, owner.GetDeletionTimestamp() != nil)
	managed = append(managed, keep...)
	for _, o := range releasing {
		c := copy(o)
		c.SetOwnerReferences(WithoutOwner(c.GetOwnerReferences(), owner.GetUID()))
		release = append(release, c)
	}
	for _, o := range adopting {
		c := copy(o)
		c.SetOwnerReferences(append(c.GetOwnerReferences(), ControllerRef(gvk, owner)))
		adopt = append(adopt, c)
		managed = append(managed, c)
	}
	return managed, release, adopt
}

// ControllerRef builds the reference a controller puts on what it makes or
// adopts: controller, and blocking the owner's foreground deletion.
func ControllerRef(gvk schema.GroupVersionKind, owner metav1.Object) metav1.OwnerReference {
	yes := true
	return metav1.OwnerReference{APIVersion: gvk.GroupVersion().String(), Kind: gvk.Kind, Name: owner.GetName(),
		UID: owner.GetUID(), Controller: &yes, BlockOwnerDeletion: &yes}
}

// ControllerUID is the UID of obj's controller, "" when it has none.
func ControllerUID(obj metav1.Object) types.UID {
	if ref := metav1.GetControllerOfNoCopy(obj); ref != nil {
		return ref.UID
	}
	return ""
}

// WithoutOwner returns refs without the ones naming uid.
func WithoutOwner(refs []metav1.OwnerReference, uid types.UID) []metav1.OwnerReference {
	var out []metav1.OwnerReference
	for _, r := range refs {
		if r.UID != uid {
			out = append(out, r)
		}
	}
	return out
}
