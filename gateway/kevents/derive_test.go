package kevents

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// step is one log event: who wrote which version of an object.
type step struct {
	actor    string
	resource string
	obj      events.Object // nil: deleted
	name     string        // for deletions
	want     []string      // "Type Reason kind/name: message"
}

func TestObserve(t *testing.T) {
	rc, sched, agent := "system:jetplane:replicacontroller", "system:jetplane:scheduler", "system:node:n1"
	owner := func(kind, name string) []metav1.OwnerReference {
		return []metav1.OwnerReference{{Kind: kind, APIVersion: "apps/v1", Name: name, UID: types.UID("uid-" + name), Controller: ptr.To(true)}}
	}
	rs := func(replicas int32) *appsv1.ReplicaSet {
		return &appsv1.ReplicaSet{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-abc", UID: "uid-web-abc",
			OwnerReferences: owner("Deployment", "web")}, Spec: appsv1.ReplicaSetSpec{Replicas: ptr.To(replicas)}}
	}
	pod := func(mut func(p *corev1.Pod)) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web-abc-1", UID: "uid-p",
			OwnerReferences: owner("ReplicaSet", "web-abc")},
			Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "hello", Image: "jetplane/hello:1"}}}}
		if mut != nil {
			mut(p)
		}
		return p
	}
	bound := func(p *corev1.Pod) { p.Spec.NodeName = "n1" }
	running := func(restarts int32) func(p *corev1.Pod) {
		return func(p *corev1.Pod) {
			bound(p)
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "hello", Image: "jetplane/hello:1", Ready: true, RestartCount: restarts,
				State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}}
		}
	}
	node := func(ready corev1.ConditionStatus) *corev1.Node {
		return &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: "n1", UID: "uid-n1"},
			Status: corev1.NodeStatus{Conditions: []corev1.NodeCondition{{Type: corev1.NodeReady, Status: ready}}}}
	}
	steps := []step{
		{actor: "alice", resource: "deployments", obj: &appsv1.Deployment{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "web"}}},
		{actor: rc, resource: "replicasets", obj: rs(3), want: []string{"Normal ScalingReplicaSet Deployment/web: Scaled up replica set web-abc from 0 to 3"}},
		{actor: rc, resource: "pods", obj: pod(nil), want: []string{"Normal SuccessfulCreate ReplicaSet/web-abc: Created pod: web-abc-1"}},
		{actor: sched, resource: "pods", obj: pod(bound), want: []string{"Normal Scheduled Pod/web-abc-1: Successfully assigned default/web-abc-1 to n1"}},
		{actor: agent, resource: "pods", obj: pod(running(0)), want: []string{
			`Normal Pulled Pod/web-abc-1: Container image "jetplane/hello:1" already present on machine`,
			"Normal Created Pod/web-abc-1: Created container: hello", "Normal Started Pod/web-abc-1: Started container hello"}},
		{actor: agent, resource: "pods", obj: pod(func(p *corev1.Pod) {
			running(0)(p)
			p.Status.ContainerStatuses[0].Ready = false
		}), want: []string{"Warning Unhealthy Pod/web-abc-1: Readiness probe failed"}},
		{actor: agent, resource: "pods", obj: pod(func(p *corev1.Pod) {
			bound(p)
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "hello", RestartCount: 1,
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}}}}
		}), want: []string{"Warning BackOff Pod/web-abc-1: Back-off restarting failed container hello in pod web-abc-1_default(uid-p)"}},
		{actor: agent, resource: "pods", obj: pod(func(p *corev1.Pod) {
			bound(p)
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "hello", Image: "jetplane/hello:9", RestartCount: 1,
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ErrImagePull", Message: `Failed to pull image "jetplane/hello:9": no registry`}}}}
		}), want: []string{`Normal Pulling Pod/web-abc-1: Pulling image "jetplane/hello:9"`,
			`Warning Failed Pod/web-abc-1: Failed to pull image "jetplane/hello:9": no registry`,
			"Warning Failed Pod/web-abc-1: Error: ErrImagePull"}},
		{actor: agent, resource: "pods", obj: pod(func(p *corev1.Pod) {
			bound(p)
			p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "hello", Image: "jetplane/hello:9", RestartCount: 1,
				State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ImagePullBackOff", Message: `Back-off pulling image "jetplane/hello:9"`}}}}
		}), want: []string{`Normal BackOff Pod/web-abc-1: Back-off pulling image "jetplane/hello:9"`,
			"Warning Failed Pod/web-abc-1: Error: ImagePullBackOff"}},
		{actor: agent, resource: "pods", obj: pod(running(1)), want: []string{
			`Normal Pulled Pod/web-abc-1: Container image "jetplane/hello:1" already present on machine`,
			"Normal Created Pod/web-abc-1: Created container: hello", "Normal Started Pod/web-abc-1: Started container hello"}},
		{actor: agent, resource: "pods", obj: pod(func(p *corev1.Pod) {
			running(2)(p)
			p.Status.ContainerStatuses[0].LastTerminationState.Terminated = &corev1.ContainerStateTerminated{
				Message: "Container hello failed liveness probe, will be restarted"}
		}), want: []string{"Warning Unhealthy Pod/web-abc-1: Liveness probe failed",
			"Normal Killing Pod/web-abc-1: Container hello failed liveness probe, will be restarted",
			`Normal Pulled Pod/web-abc-1: Container image "jetplane/hello:1" already present on machine`,
			"Normal Created Pod/web-abc-1: Created container: hello", "Normal Started Pod/web-abc-1: Started container hello"}},
		{actor: rc, resource: "replicasets", obj: rs(1), want: []string{"Normal ScalingReplicaSet Deployment/web: Scaled down replica set web-abc from 3 to 1"}},
		{actor: rc, resource: "pods", obj: pod(func(p *corev1.Pod) {
			running(2)(p)
			p.DeletionTimestamp = &metav1.Time{Time: time.Unix(100, 0)}
		}), want: []string{"Normal SuccessfulDelete ReplicaSet/web-abc: Deleted pod: web-abc-1", "Normal Killing Pod/web-abc-1: Stopping container hello"}},
		{actor: agent, resource: "pods", name: "web-abc-1"},
		{actor: "alice", resource: "pods", obj: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "bare"}}},
		{actor: sched, resource: "pods", obj: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "bare"},
			Status: corev1.PodStatus{Conditions: []corev1.PodCondition{{Type: corev1.PodScheduled, Status: corev1.ConditionFalse,
				Reason: corev1.PodReasonUnschedulable, Message: "0/1 nodes are available: 1 Insufficient cpu."}}}},
			want: []string{"Warning FailedScheduling Pod/bare: 0/1 nodes are available: 1 Insufficient cpu."}},
		{actor: agent, resource: "nodes", obj: node(corev1.ConditionTrue), want: []string{
			"Normal RegisteredNode Node/n1: Node n1 event: Registered Node n1 in Controller", "Normal NodeReady Node/n1: Node n1 status is now: NodeReady"}},
		{actor: rc, resource: "nodes", obj: node(corev1.ConditionUnknown), want: []string{"Normal NodeNotReady Node/n1: Node n1 status is now: NodeNotReady"}},
	}
	d := New()
	for i, s := range steps {
		res := events.MustLookup(s.resource)
		ev := &events.Event{ID: fmt.Sprint("id-", i), Type: events.TypeOf(res, events.Updated), Actor: s.actor, Time: time.Unix(int64(i), 0),
			Resource: s.resource, Seq: uint64(i + 1)}
		if s.obj == nil {
			ev.Type, ev.Namespace, ev.Name = events.TypeOf(res, events.Deleted), "default", s.name
		} else {
			ev.Namespace, ev.Name = s.obj.GetNamespace(), s.obj.GetName()
			ev.Data, _ = json.Marshal(s.obj)
		}
		var got []string
		for _, e := range d.Observe(ev) {
			got = append(got, fmt.Sprintf("%s %s %s/%s: %s", e.Type, e.Reason, e.InvolvedObject.Kind, e.InvolvedObject.Name, e.Message))
			if e.Namespace != "default" || e.Count != 1 || !e.LastTimestamp.Equal(&metav1.Time{Time: ev.Time}) {
				t.Fatalf("step %d: event meta %+v", i, e)
			}
		}
		if fmt.Sprint(got) != fmt.Sprint(s.want) {
			t.Fatalf("step %d (%s %s by %s):\n got  %q\n want %q", i, s.resource, ev.Name, s.actor, got, s.want)
		}
	}
}
