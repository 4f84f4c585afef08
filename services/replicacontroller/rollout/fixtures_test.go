package rollout

import (
	"fmt"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func ptr[T any](v T) *T { return &v }

func deployment(replicas int32, image string) *appsv1.Deployment {
	labels := map[string]string{"app": "web"}
	return &appsv1.Deployment{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "d-uid", Generation: 1, ResourceVersion: "10",
			CreationTimestamp: metav1.NewTime(t0)},
		Spec: appsv1.DeploymentSpec{
			Replicas: &replicas,
			Selector: &metav1.LabelSelector{MatchLabels: labels},
			Template: corev1.PodTemplateSpec{
				ObjectMeta: metav1.ObjectMeta{Labels: labels},
				Spec:       corev1.PodSpec{Containers: []corev1.Container{{Name: "web", Image: image}}},
			},
		},
	}
}

func withRolling(d *appsv1.Deployment, surge, unavailable intstr.IntOrString) *appsv1.Deployment {
	d.Spec.Strategy = appsv1.DeploymentStrategy{Type: appsv1.RollingUpdateDeploymentStrategyType,
		RollingUpdate: &appsv1.RollingUpdateDeployment{MaxSurge: &surge, MaxUnavailable: &unavailable}}
	return d
}

// rsFor builds the ReplicaSet a Deployment owns for a template, the way the
// decision would have made it, with a size, available pods and revision.
func rsFor(d *appsv1.Deployment, image string, revision, spec, available int32, age time.Duration) *appsv1.ReplicaSet {
	tmpl := d.Spec.Template.DeepCopy()
	tmpl.Spec.Containers[0].Image = image
	hash := PodTemplateHash(tmpl, nil)
	tmpl.Labels = withLabel(tmpl.Labels, PodTemplateHashLabel, hash)
	return &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name: d.Name + "-" + hash, Namespace: d.Namespace, UID: types.UID("rs-" + hash),
			ResourceVersion: fmt.Sprint(100 + revision), Generation: 1,
			CreationTimestamp: metav1.NewTime(t0.Add(-age)),
			Labels:            tmpl.Labels,
			Annotations:       map[string]string{RevisionAnnotation: fmt.Sprint(revision)},
			OwnerReferences:   []metav1.OwnerReference{controllerRef(appsV1, "Deployment", d)},
		},
		Spec: appsv1.ReplicaSetSpec{Replicas: ptr(spec),
			Selector: &metav1.LabelSelector{MatchLabels: withLabel(d.Spec.Selector.MatchLabels, PodTemplateHashLabel, hash)},
			Template: *tmpl},
		Status: appsv1.ReplicaSetStatus{Replicas: spec, ReadyReplicas: available, AvailableReplicas: available,
			FullyLabeledReplicas: spec, ObservedGeneration: 1},
	}
}

func changesOf(res Result, a Action, resource string) []Change {
	var out []Change
	for _, c := range res.Changes {
		if c.Action == a && c.Resource == resource {
			out = append(out, c)
		}
	}
	return out
}

// pod builds a pod of a ReplicaSet in a given state.
type podState struct {
	name     string
	node     string
	phase    corev1.PodPhase
	ready    bool
	readyAt  time.Time
	restarts int32
	created  time.Time
	// terminating: deletionTimestamp set.
	terminating bool
}

func podOf(rs *appsv1.ReplicaSet, s podState) *corev1.Pod {
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: s.name, Namespace: rs.Namespace, UID: types.UID("uid-" + s.name),
			ResourceVersion: "50", Labels: rs.Spec.Template.Labels,
			CreationTimestamp: metav1.NewTime(s.created),
			OwnerReferences:   []metav1.OwnerReference{controllerRef(appsV1, "ReplicaSet", rs)}},
		Spec:   corev1.PodSpec{NodeName: s.node},
		Status: corev1.PodStatus{Phase: s.phase, ContainerStatuses: []corev1.ContainerStatus{{RestartCount: s.restarts}}},
	}
	if p.Status.Phase == "" {
		p.Status.Phase = corev1.PodRunning
	}
	if s.terminating {
		p.DeletionTimestamp = ptr(metav1.NewTime(t0))
	}
	if s.ready {
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue,
			LastTransitionTime: metav1.NewTime(s.readyAt)}}
	}
	return p
}
