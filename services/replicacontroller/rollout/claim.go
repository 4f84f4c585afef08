package rollout

import (
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// claim sorts out what a controller manages, as Kubernetes' ClaimObjects
// does: owned objects that still match its selector are kept, owned ones
// that no longer match are released, and matching orphans (no controller,
// not being deleted) are adopted unless the controller itself is going away.
func claim[T metav1.Object](owned, orphans []T, sel labels.Selector, controllerDeleting bool) (keep, adopt, release []T) {
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
