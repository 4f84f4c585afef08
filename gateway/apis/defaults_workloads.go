package apis

import (
	"github.com/jetplane/jetplane/defaulting"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Defaults of the workload kinds, as Kubernetes has them.
const (
	defaultSuccessfulJobsHistoryLimit    int32 = 3
	defaultFailedJobsHistoryLimit        int32 = 1
	daemonSetMaxUnavailableDefault             = 1
	replicationControllerReplicasDefault       = 1
)

// defaultWorkloads fills the defaults of ReplicationControllers,
// DaemonSets, Jobs and CronJobs; other kinds are left alone.
func defaultWorkloads(obj any) {
	switch o := obj.(type) {
	case *corev1.ReplicationController:
		defaultReplicationController(o)
	case *appsv1.DaemonSet:
		defaultDaemonSet(o)
	case *appsv1.StatefulSet:
		defaultStatefulSet(o)
	case *batchv1.Job:
		defaulting.Job(o)
	case *batchv1.CronJob:
		defaultCronJob(o)
	}
}

// defaultReplicationController takes the selector and the labels from the
// template when they are empty, as Kubernetes does.
func defaultReplicationController(rc *corev1.ReplicationController) {
	if t := rc.Spec.Template; t != nil {
		if len(t.Labels) > 0 && len(rc.Spec.Selector) == 0 {
			rc.Spec.Selector = copyLabels(t.Labels)
		}
		if len(t.Labels) > 0 && len(rc.Labels) == 0 {
			rc.Labels = copyLabels(t.Labels)
		}
		defaulting.PodSpec(&t.Spec)
	}
	if rc.Spec.Replicas == nil {
		rc.Spec.Replicas = ptrTo(int32(replicationControllerReplicasDefault))
	}
}

func defaultDaemonSet(ds *appsv1.DaemonSet) {
	s := &ds.Spec.UpdateStrategy
	if s.Type == "" {
		s.Type = appsv1.RollingUpdateDaemonSetStrategyType
	}
	if s.Type == appsv1.RollingUpdateDaemonSetStrategyType {
		if s.RollingUpdate == nil {
			s.RollingUpdate = &appsv1.RollingUpdateDaemonSet{}
		}
		if s.RollingUpdate.MaxUnavailable == nil {
			s.RollingUpdate.MaxUnavailable = ptrTo(intstr.FromInt32(daemonSetMaxUnavailableDefault))
		}
		if s.RollingUpdate.MaxSurge == nil {
			s.RollingUpdate.MaxSurge = ptrTo(intstr.FromInt32(0))
		}
	}
	if ds.Spec.RevisionHistoryLimit == nil {
		ds.Spec.RevisionHistoryLimit = ptrTo(defaultRevisionHistoryLimit)
	}
	defaulting.PodSpec(&ds.Spec.Template.Spec)
}

// defaultCronJob is SetDefaults_CronJob: the job template's pods get pod
// defaults, the Job fields stay as written (each Job is defaulted when made).
func defaultCronJob(cj *batchv1.CronJob) {
	if cj.Spec.ConcurrencyPolicy == "" {
		cj.Spec.ConcurrencyPolicy = batchv1.AllowConcurrent
	}
	if cj.Spec.Suspend == nil {
		cj.Spec.Suspend = ptrTo(false)
	}
	if cj.Spec.SuccessfulJobsHistoryLimit == nil {
		cj.Spec.SuccessfulJobsHistoryLimit = ptrTo(defaultSuccessfulJobsHistoryLimit)
	}
	if cj.Spec.FailedJobsHistoryLimit == nil {
		cj.Spec.FailedJobsHistoryLimit = ptrTo(defaultFailedJobsHistoryLimit)
	}
	defaulting.PodSpec(&cj.Spec.JobTemplate.Spec.Template.Spec)
}

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
