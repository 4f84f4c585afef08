package kevents

import (
	"fmt"
	"strings"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Deriver folds the log's events in order and says which Kubernetes Events
// each one stands for. It remembers the previous version of every object
// it saw, to tell what changed.
type Deriver struct {
	prev map[string]events.Object // subject → object before the event
}

// New makes a Deriver with no history.
func New() *Deriver { return &Deriver{prev: map[string]events.Object{}} }

// involved describes what an Event is about.
type involved struct {
	kind, apiVersion, namespace, name string
	uid                               types.UID
	fieldPath                         string
}

func involvedOf(res events.Resource, obj events.Object) involved {
	return involved{kind: res.Kind, apiVersion: res.GroupVersion(), namespace: obj.GetNamespace(), name: obj.GetName(), uid: obj.GetUID()}
}

// builder accumulates the Events of one log event.
type builder struct {
	ev  *events.Event
	out []corev1.Event
}

func (b *builder) add(on involved, typ, reason, message, component, host string) {
	ns := on.namespace
	if ns == "" {
		ns = metav1.NamespaceDefault // events of cluster-scoped objects live in default, as in Kubernetes
	}
	t := metav1.NewTime(b.ev.Time)
	b.out = append(b.out, corev1.Event{
		TypeMeta: metav1.TypeMeta{Kind: "Event", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("%s.%x%02x", on.name, b.ev.Seq, len(b.out)), Namespace: ns,
			ResourceVersion: events.FormatRV(b.ev.Seq), CreationTimestamp: t, UID: types.UID(fmt.Sprintf("%s-%d", b.ev.ID, len(b.out)))},
		InvolvedObject: corev1.ObjectReference{Kind: on.kind, APIVersion: on.apiVersion, Namespace: on.namespace, Name: on.name,
			UID: on.uid, FieldPath: on.fieldPath},
		Reason: reason, Message: message, Type: typ, Count: 1, FirstTimestamp: t, LastTimestamp: t,
		Source:              corev1.EventSource{Component: component, Host: host},
		ReportingController: component, ReportingInstance: host,
	})
}

// Observe returns the Events that one log event stands for (none, often).
func (d *Deriver) Observe(ev *events.Event) []corev1.Event {
	res, ok := events.Lookup(ev.Resource)
	// An Event a client wrote is a report itself, not a change to report.
	if !ok || res.Derived || res.Name == "events" || res.Name == "events.events.k8s.io" {
		return nil
	}
	key := events.Subject(ev.Resource, ev.Namespace, ev.Name)
	prev := d.prev[key]
	var cur events.Object
	if !ev.IsDelete() && len(ev.Data) > 0 {
		var err error
		if cur, err = events.DecodeObject(res, ev.Data); err != nil {
			return nil
		}
	}
	if cur == nil {
		delete(d.prev, key)
	} else {
		d.prev[key] = cur
	}
	b := &builder{ev: ev}
	switch ev.Resource {
	case "pods":
		p, _ := prev.(*corev1.Pod)
		c, _ := cur.(*corev1.Pod)
		podEvents(b, ev, p, c)
	case "replicasets":
		rs, _ := cur.(*appsv1.ReplicaSet)
		old, _ := prev.(*appsv1.ReplicaSet)
		replicaSetEvents(b, ev, old, rs)
	case "nodes":
		n, _ := cur.(*corev1.Node)
		old, _ := prev.(*corev1.Node)
		nodeEvents(b, old, n)
	case "jobs":
		j, _ := cur.(*batchv1.Job)
		old, _ := prev.(*batchv1.Job)
		jobEvents(b, old, j)
	}
	return b.out
}

// controllerComponent names the controller that owns a kind's pods, as
// Kubernetes' event sources do.
var controllerComponent = map[string]string{
	"ReplicaSet": "replicaset-controller", "ReplicationController": "replication-controller",
	"DaemonSet": "daemonset-controller", "Job": "job-controller", "StatefulSet": "statefulset-controller",
}

func byService(ev *events.Event) bool { return strings.HasPrefix(ev.Actor, "system:jetplane:") }

func podEvents(b *builder, ev *events.Event, prev, cur *corev1.Pod) {
	pod := prev
	if cur != nil {
		pod = cur
	}
	if pod == nil {
		return
	}
	on := involvedOf(events.MustLookup("pods"), pod)
	if owner := metav1.GetControllerOfNoCopy(pod); owner != nil && byService(ev) {
		ownerOn := involved{kind: owner.Kind, apiVersion: owner.APIVersion, namespace: pod.Namespace, name: owner.Name, uid: owner.UID}
		comp := controllerComponent[owner.Kind]
		switch {
		case prev == nil && cur != nil:
			b.add(ownerOn, corev1.EventTypeNormal, "SuccessfulCreate", "Created pod: "+pod.Name, comp, "")
		case cur != nil && prev != nil && prev.DeletionTimestamp == nil && cur.DeletionTimestamp != nil && ev.Actor == "system:jetplane:replicacontroller",
			cur == nil && prev != nil && prev.DeletionTimestamp == nil && ev.Actor == "system:jetplane:replicacontroller":
			b.add(ownerOn, corev1.EventTypeNormal, "SuccessfulDelete", "Deleted pod: "+pod.Name, comp, "")
		}
	}
	if cur == nil {
		return
	}
	if cur.Spec.NodeName != "" && (prev == nil || prev.Spec.NodeName == "") {
		b.add(on, corev1.EventTypeNormal, "Scheduled",
			fmt.Sprintf("Successfully assigned %s/%s to %s", cur.Namespace, cur.Name, cur.Spec.NodeName), "default-scheduler", "")
	}
	if c := condition(cur, corev1.PodScheduled); c != nil && c.Status == corev1.ConditionFalse && c.Reason == corev1.PodReasonUnschedulable {
		if old := condition(prev, corev1.PodScheduled); old == nil || old.Message != c.Message || old.Status != c.Status {
			b.add(on, corev1.EventTypeWarning, "FailedScheduling", c.Message, "default-scheduler", "")
		}
	}
	host := cur.Spec.NodeName
	for _, cs := range cur.Status.ContainerStatuses {
		old := containerStatus(prev, cs.Name)
		con := on
		con.fieldPath = fmt.Sprintf("spec.containers{%s}", cs.Name)
		// The agent records why it restarted a container in lastState; a
		// liveness kill reads as Kubernetes reports it.
		if last := cs.LastTerminationState.Terminated; old != nil && cs.RestartCount > old.RestartCount && last != nil &&
			strings.Contains(last.Message, "failed liveness probe") {
			b.add(con, corev1.EventTypeWarning, "Unhealthy", "Liveness probe failed", "kubelet", host)
			b.add(con, corev1.EventTypeNormal, "Killing", last.Message, "kubelet", host)
		}
		started := cs.State.Running != nil && (old == nil || old.State.Running == nil || old.RestartCount != cs.RestartCount)
		if started {
			b.add(con, corev1.EventTypeNormal, "Pulled", fmt.Sprintf("Container image %q already present on machine", cs.Image), "kubelet", host)
			b.add(con, corev1.EventTypeNormal, "Created", "Created container: "+cs.Name, "kubelet", host)
			b.add(con, corev1.EventTypeNormal, "Started", "Started container "+cs.Name, "kubelet", host)
		}
		if w := cs.State.Waiting; w != nil && (old == nil || old.State.Waiting == nil || old.State.Waiting.Reason != w.Reason) {
			switch w.Reason {
			case "CrashLoopBackOff":
				b.add(con, corev1.EventTypeWarning, "BackOff",
					fmt.Sprintf("Back-off restarting failed container %s in pod %s_%s(%s)", cs.Name, cur.Name, cur.Namespace, cur.UID), "kubelet", host)
			case "ErrImageNeverPull", "InvalidImageName", "RunContainerError", "CreateContainerError":
				b.add(con, corev1.EventTypeWarning, w.Reason, w.Message, "kubelet", host)
			case "ErrImagePull": // the kubelet's Pulling, then Failed twice
				b.add(con, corev1.EventTypeNormal, "Pulling", fmt.Sprintf("Pulling image %q", cs.Image), "kubelet", host)
				b.add(con, corev1.EventTypeWarning, "Failed", w.Message, "kubelet", host)
				b.add(con, corev1.EventTypeWarning, "Failed", "Error: ErrImagePull", "kubelet", host)
			case "ImagePullBackOff":
				b.add(con, corev1.EventTypeNormal, "BackOff", w.Message, "kubelet", host)
				b.add(con, corev1.EventTypeWarning, "Failed", "Error: ImagePullBackOff", "kubelet", host)
			}
		}
		if old != nil && old.Ready && !cs.Ready && cs.State.Running != nil && cur.DeletionTimestamp == nil {
			b.add(con, corev1.EventTypeWarning, "Unhealthy", "Readiness probe failed", "kubelet", host)
		}
	}
	if cur.DeletionTimestamp != nil && (prev == nil || prev.DeletionTimestamp == nil) && host != "" {
		for _, c := range cur.Spec.Containers {
			con := on
			con.fieldPath = fmt.Sprintf("spec.containers{%s}", c.Name)
			b.add(con, corev1.EventTypeNormal, "Killing", "Stopping container "+c.Name, "kubelet", host)
		}
	}
}

func replicaSetEvents(b *builder, ev *events.Event, prev, cur *appsv1.ReplicaSet) {
	if cur == nil || !byService(ev) {
		return
	}
	owner := metav1.GetControllerOfNoCopy(cur)
	if owner == nil || owner.Kind != "Deployment" {
		return
	}
	var from, to int32
	if prev != nil && prev.Spec.Replicas != nil {
		from = *prev.Spec.Replicas
	}
	if cur.Spec.Replicas != nil {
		to = *cur.Spec.Replicas
	}
	if from == to {
		return
	}
	dir := "up"
	if to < from {
		dir = "down"
	}
	on := involved{kind: "Deployment", apiVersion: "apps/v1", namespace: cur.Namespace, name: owner.Name, uid: owner.UID}
	b.add(on, corev1.EventTypeNormal, "ScalingReplicaSet",
		fmt.Sprintf("Scaled %s replica set %s from %d to %d", dir, cur.Name, from, to), "deployment-controller", "")
}

func nodeEvents(b *builder, prev, cur *corev1.Node) {
	if cur == nil {
		return
	}
	ready := nodeReady(cur)
	if prev == nil {
		b.add(involvedOf(events.MustLookup("nodes"), cur), corev1.EventTypeNormal, "RegisteredNode",
			fmt.Sprintf("Node %s event: Registered Node %s in Controller", cur.Name, cur.Name), "node-controller", "")
	}
	if prev == nil && !ready || prev != nil && nodeReady(prev) == ready {
		return
	}
	reason := "NodeReady"
	if !ready {
		reason = "NodeNotReady"
	}
	b.add(involvedOf(events.MustLookup("nodes"), cur), corev1.EventTypeNormal, reason,
		fmt.Sprintf("Node %s status is now: %s", cur.Name, reason), "kubelet", cur.Name)
}

func jobEvents(b *builder, prev, cur *batchv1.Job) {
	if cur == nil {
		return
	}
	for _, c := range cur.Status.Conditions {
		if c.Status != corev1.ConditionTrue || jobCondition(prev, c.Type) {
			continue
		}
		on := involvedOf(events.MustLookup("jobs"), cur)
		switch c.Type {
		case batchv1.JobComplete:
			b.add(on, corev1.EventTypeNormal, "Completed", "Job completed", "job-controller", "")
		case batchv1.JobFailed:
			b.add(on, corev1.EventTypeWarning, c.Reason, c.Message, "job-controller", "")
		}
	}
}

func jobCondition(j *batchv1.Job, t batchv1.JobConditionType) bool {
	if j == nil {
		return false
	}
	for _, c := range j.Status.Conditions {
		if c.Type == t && c.Status == corev1.ConditionTrue {
			return true
		}
	}
	return false
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func condition(p *corev1.Pod, t corev1.PodConditionType) *corev1.PodCondition {
	if p == nil {
		return nil
	}
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == t {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func containerStatus(p *corev1.Pod, name string) *corev1.ContainerStatus {
	if p == nil {
		return nil
	}
	for i := range p.Status.ContainerStatuses {
		if p.Status.ContainerStatuses[i].Name == name {
			return &p.Status.ContainerStatuses[i]
		}
	}
	return nil
}
