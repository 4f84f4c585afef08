package rollout

import (
	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// claim sorts out what a controller manages: workload.Claim, shared by
// every workload controller.
func claim[T metav1.Object](owned, orphans []T, sel labels.Selector, controllerDeleting bool) (keep, adopt, release []T) {
	return workload.Claim(owned, orphans, sel, controllerDeleting)
}
