package replication

import (
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func controller(replicas int32) *corev1.ReplicationController {
	lbl := map[string]string{"app": "web"}
	return &corev1.ReplicationController{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "rc-uid", Generation: 3, ResourceVersion: "9"},
		Spec: corev1.ReplicationControllerSpec{Replicas: &replicas, Selector: lbl,
			Template: &corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl},
				Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}},
	}
}

func pod(name string, lbl map[string]string, owner *corev1.ReplicationController, ready bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: lbl, ResourceVersion: "4",
		CreationTimestamp: metav1.NewTime(t0)}, Status: corev1.PodStatus{Phase: corev1.PodRunning}}
	if owner != nil {
		p.OwnerReferences = []metav1.OwnerReference{workload.ControllerRef(Kind, owner)}
	}
	if ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	}
	return p
}

func TestDecide(t *testing.T) {
	rc := controller(2)
	web := map[string]string{"app": "web"}
	tests := []struct {
		name          string
		rc            *corev1.ReplicationController
		pods, orphans []*corev1.Pod
		want          []string // "<action> <resource> <name>"
		status        *corev1.ReplicationControllerStatus
	}{
		{"creates pods", rc, nil, nil, []string{"created pods web-1", "created pods web-2", "status replicationcontrollers web"},
			&corev1.ReplicationControllerStatus{ObservedGeneration: 3}},
		{"adopts an orphan", rc, []*corev1.Pod{pod("a", web, rc, true)}, []*corev1.Pod{pod("stray", web, nil, true)},
			[]string{"updated pods stray", "status replicationcontrollers web"},
			&corev1.ReplicationControllerStatus{Replicas: 2, FullyLabeledReplicas: 2, ReadyReplicas: 2, AvailableReplicas: 2, ObservedGeneration: 3}},
		{"releases a relabelled pod and replaces it", rc,
			[]*corev1.Pod{pod("a", web, rc, true), pod("b", map[string]string{"app": "debug"}, rc, true)}, nil,
			[]string{"updated pods b", "created pods web-1", "status replicationcontrollers web"}, nil},
		{"deletes extras", controller(1), []*corev1.Pod{pod("a", web, rc, true), pod("b", web, rc, false)}, nil,
			[]string{"deleted pods b", "status replicationcontrollers web"}, nil},
		{"no template: nothing", func() *corev1.ReplicationController { c := controller(1); c.Spec.Template = nil; return c }(), nil, nil, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := 0
			res := Decide(Input{Controller: tt.rc, Pods: tt.pods, Orphans: tt.orphans, Now: t0,
				PodName: func(base string) string { n++; return fmt.Sprintf("%s%d", base, n) }})
			var got []string
			for _, c := range res.Changes {
				got = append(got, fmt.Sprintf("%s %s %s", c.Action, c.Resource, c.Object.GetName()))
				if p, ok := c.Object.(*corev1.Pod); ok && c.Action != workload.Delete {
					ref := metav1.GetControllerOf(p)
					owned := ref != nil && ref.Kind == "ReplicationController" && ref.APIVersion == "v1" && ref.UID == "rc-uid"
					if owned == (p.Labels["app"] != "web") {
						t.Errorf("pod %s labels %v ref %+v", p.Name, p.Labels, ref)
					}
				}
				if st, ok := c.Object.(*corev1.ReplicationController); ok && tt.status != nil &&
					fmt.Sprint(st.Status) != fmt.Sprint(*tt.status) {
					t.Errorf("status %+v, want %+v", st.Status, *tt.status)
				}
				if c.Action == workload.Status && c.Expected != 9 {
					t.Errorf("status expects %d", c.Expected)
				}
			}
			if fmt.Sprint(got) != fmt.Sprint(tt.want) {
				t.Fatalf("changes %v\nwant %v", got, tt.want)
			}
		})
	}
}
