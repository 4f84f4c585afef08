package replicacontroller

import (
	"context"
	"time"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// workloadKind is one kind of controller the replica controller drives:
// its objects are queued as "<resource>/<ns>/<name>" and synced by sync.
type workloadKind struct {
	resource string // plural, the queue key's first part
	kind     string // as controller references name it
	// controls is the resource of what it makes; adopts tells whether it
	// adopts orphans of that resource matching its selector.
	controls string
	adopts   bool
	sync     func(c *replicaController, ctx context.Context, key, ns, name string) (time.Duration, error)
}

// workloadKinds are every kind, in the order the resync lists them.
var workloadKinds = []workloadKind{
	{"deployments", "Deployment", "replicasets", true, (*replicaController).syncDeployment},
	{"replicasets", "ReplicaSet", "pods", true, (*replicaController).syncReplicaSet},
	{"replicationcontrollers", "ReplicationController", "pods", true, (*replicaController).syncReplicationController},
	{"daemonsets", "DaemonSet", "pods", true, (*replicaController).syncDaemonSet},
	{"statefulsets", "StatefulSet", "pods", true, (*replicaController).syncStatefulSet},
	{"jobs", "Job", "pods", true, (*replicaController).syncJob},
	{"cronjobs", "CronJob", "jobs", false, (*replicaController).syncCronJob},
}

// workloadKindOf finds the kind whose objects live under resource.
func workloadKindOf(resource string) (workloadKind, bool) {
	for _, k := range workloadKinds {
		if k.resource == resource {
			return k, true
		}
	}
	return workloadKind{}, false
}

// selectorOf is the label selector of a workload, nil when it has none or
// an invalid one.
func selectorOf(obj events.Object) labels.Selector {
	var ls *metav1.LabelSelector
	switch o := obj.(type) {
	case *appsv1.Deployment:
		ls = o.Spec.Selector
	case *appsv1.ReplicaSet:
		ls = o.Spec.Selector
	case *appsv1.DaemonSet:
		ls = o.Spec.Selector
	case *appsv1.StatefulSet:
		ls = o.Spec.Selector
	case *batchv1.Job:
		ls = o.Spec.Selector
	case *corev1.ReplicationController:
		if len(o.Spec.Selector) == 0 {
			return nil
		}
		return labels.SelectorFromSet(o.Spec.Selector)
	}
	if ls == nil {
		return nil
	}
	sel, err := metav1.LabelSelectorAsSelector(ls)
	if err != nil || sel.Empty() {
		return nil
	}
	return sel
}
