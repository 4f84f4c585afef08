package daemon

import (
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	appsv1 "k8s.io/api/apps/v1"
)

// status counts the DaemonSet's nodes and pods as Kubernetes does: the
// oldest pod of each node that should run one speaks for it; pods on nodes
// that should not run one are misscheduled. wait is when a ready pod
// becomes available (minReadySeconds).
func (d *decision) status() (appsv1.DaemonSetStatus, time.Duration) {
	ds := d.ds
	st := appsv1.DaemonSetStatus{ObservedGeneration: ds.Generation, CollisionCount: ds.Status.CollisionCount}
	for _, c := range ds.Status.Conditions {
		st.Conditions = append(st.Conditions, *c.DeepCopy())
	}
	var wait time.Duration
	for _, ns := range d.nodes {
		pods := d.byNode[ns.node.Name]
		if !ns.run {
			if len(pods) > 0 {
				st.NumberMisscheduled++
			}
			continue
		}
		st.DesiredNumberScheduled++
		if len(pods) == 0 {
			continue
		}
		st.CurrentNumberScheduled++
		p := pods[0]
		ready, available, left := workload.Availability(p, d.minReady(), d.in.Now)
		if ready {
			st.NumberReady++
		}
		if available {
			st.NumberAvailable++
		} else if left > 0 && (wait == 0 || left < wait) {
			wait = left
		}
		if d.isUpdated(p) {
			st.UpdatedNumberScheduled++
		}
	}
	st.NumberUnavailable = st.DesiredNumberScheduled - st.NumberAvailable
	return st, wait
}
