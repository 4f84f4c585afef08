package podsecurity

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// PodSpecOf is the pod metadata and spec an object runs: a pod's own, or a
// workload's pod template (a CronJob's job template's). ok is false for
// objects that hold no pod spec.
func PodSpecOf(obj any) (meta *metav1.ObjectMeta, spec *corev1.PodSpec, ok bool) {
	template := func(t *corev1.PodTemplateSpec) (*metav1.ObjectMeta, *corev1.PodSpec, bool) {
		if t == nil {
			return nil, nil, false
		}
		return &t.ObjectMeta, &t.Spec, true
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		return &o.ObjectMeta, &o.Spec, true
	case *corev1.PodTemplate:
		return template(&o.Template)
	case *corev1.ReplicationController:
		return template(o.Spec.Template)
	case *appsv1.ReplicaSet:
		return template(&o.Spec.Template)
	case *appsv1.Deployment:
		return template(&o.Spec.Template)
	case *appsv1.StatefulSet:
		return template(&o.Spec.Template)
	case *appsv1.DaemonSet:
		return template(&o.Spec.Template)
	case *batchv1.Job:
		return template(&o.Spec.Template)
	case *batchv1.CronJob:
		return template(&o.Spec.JobTemplate.Spec.Template)
	}
	return nil, nil, false
}
