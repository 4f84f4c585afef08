package replicacontroller

import (
	"context"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/replicacontroller/cronjob"
	"github.com/jetplane/jetplane/services/replicacontroller/daemon"
	"github.com/jetplane/jetplane/services/replicacontroller/job"
	"github.com/jetplane/jetplane/services/replicacontroller/replication"
	"github.com/jetplane/jetplane/services/replicacontroller/statefulset"
	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/types"
)

// controlled returns the objects of resource in ns whose controller is
// owner, and, when sel is set, the ones without a controller that it
// matches (the decision may adopt them).
func controlled[T events.Object](st *projections.State, resource, ns string, owner types.UID, sel labels.Selector) (owned, orphans []T) {
	for _, e := range st.OwnedBy(owner) {
		if o, ok := e.Object.(T); ok && e.Resource == resource && workload.ControllerUID(o) == owner {
			owned = append(owned, o)
		}
	}
	if sel == nil {
		return owned, nil
	}
	for _, e := range st.List(resource, ns, sel) {
		if o, ok := e.Object.(T); ok && workload.ControllerUID(o) == "" {
			orphans = append(orphans, o)
		}
	}
	return owned, orphans
}

// live is the entry of a workload and its object, or nil when it is gone
// (then what dirtied its key is forgotten).
func live[T events.Object](c *replicaController, key, resource, ns, name string) (*projections.Entry, T) {
	var zero T
	e := c.proj.State().Live(resource, ns, name)
	if e == nil {
		c.takeCause(key, nil)
		return nil, zero
	}
	o, ok := e.Object.(T)
	if !ok {
		return nil, zero
	}
	return e, o
}

// syncResult appends a decision's changes, caused by what dirtied key.
func (c *replicaController) syncResult(ctx context.Context, key string, e *projections.Entry, res workload.Result) (time.Duration, error) {
	return res.Requeue, c.apply(ctx, key, c.takeCause(key, e), res.Changes)
}

// syncReplicationController hands one ReplicationController and its pods
// to the replication decision.
func (c *replicaController) syncReplicationController(ctx context.Context, key, ns, name string) (time.Duration, error) {
	e, rc := live[*corev1.ReplicationController](c, key, replication.Resource, ns, name)
	if e == nil {
		return 0, nil
	}
	in := replication.Input{Controller: rc, Now: c.cfg.Now(), PodName: c.cfg.PodName}
	in.Pods, in.Orphans = controlled[*corev1.Pod](c.proj.State(), "pods", ns, rc.UID, selectorOf(rc))
	return c.syncResult(ctx, key, e, replication.Decide(in))
}

// syncDaemonSet hands one DaemonSet, the nodes and its pods to the daemon
// decision.
func (c *replicaController) syncDaemonSet(ctx context.Context, key, ns, name string) (time.Duration, error) {
	e, ds := live[*appsv1.DaemonSet](c, key, "daemonsets", ns, name)
	if e == nil {
		return 0, nil
	}
	st := c.proj.State()
	in := daemon.Input{DaemonSet: ds, Now: c.cfg.Now(), PodName: c.cfg.PodName}
	in.Pods, in.Orphans = controlled[*corev1.Pod](st, "pods", ns, ds.UID, selectorOf(ds))
	for _, ne := range st.List("nodes", "", nil) {
		if n, ok := ne.Object.(*corev1.Node); ok {
			in.Nodes = append(in.Nodes, n)
		}
	}
	return c.syncResult(ctx, key, e, daemon.Decide(in))
}

// syncStatefulSet hands one StatefulSet, its pods and its namespace's
// claims to the statefulset decision.
func (c *replicaController) syncStatefulSet(ctx context.Context, key, ns, name string) (time.Duration, error) {
	e, set := live[*appsv1.StatefulSet](c, key, "statefulsets", ns, name)
	if e == nil {
		return 0, nil
	}
	st := c.proj.State()
	in := statefulset.Input{StatefulSet: set, Now: c.cfg.Now(), Claim: func(claim string) *corev1.PersistentVolumeClaim {
		if ce := st.Live("persistentvolumeclaims", ns, claim); ce != nil {
			return ce.Object.(*corev1.PersistentVolumeClaim)
		}
		return nil
	}}
	in.Pods, in.Orphans = controlled[*corev1.Pod](st, "pods", ns, set.UID, selectorOf(set))
	return c.syncResult(ctx, key, e, statefulset.Decide(in))
}

// syncJob hands one Job and its pods to the job decision.
func (c *replicaController) syncJob(ctx context.Context, key, ns, name string) (time.Duration, error) {
	e, j := live[*batchv1.Job](c, key, "jobs", ns, name)
	if e == nil {
		return 0, nil
	}
	in := job.Input{Job: j, Now: c.cfg.Now(), PodName: c.cfg.PodName}
	in.Pods, in.Orphans = controlled[*corev1.Pod](c.proj.State(), "pods", ns, j.UID, selectorOf(j))
	return c.syncResult(ctx, key, e, job.Decide(in))
}

// syncCronJob hands one CronJob and its Jobs to the cronjob decision; its
// requeue is the next time of the schedule.
func (c *replicaController) syncCronJob(ctx context.Context, key, ns, name string) (time.Duration, error) {
	e, cj := live[*batchv1.CronJob](c, key, "cronjobs", ns, name)
	if e == nil {
		return 0, nil
	}
	st := c.proj.State()
	in := cronjob.Input{CronJob: cj, Now: c.cfg.Now(), Location: c.cfg.Location,
		Taken: func(n string) bool {
			j := st.Live("jobs", ns, n)
			return j != nil && workload.ControllerUID(j.Object) != cj.UID
		}}
	in.Jobs, _ = controlled[*batchv1.Job](st, "jobs", ns, cj.UID, nil)
	return c.syncResult(ctx, key, e, cronjob.Decide(in))
}
