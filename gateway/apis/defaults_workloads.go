package apis

import (
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Defaults of the workload kinds, as Kubernetes has them.
const (
	defaultJobBackoffLimit               int32 = 6
	defaultSuccessfulJobsHistoryLimit    int32 = 3
	defaultFailedJobsHistoryLimit        int32 = 1
	legacyJobNameLabel                         = "job-name"
	legacyControllerUIDLabel                   = "controller-uid"
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
	case *batchv1.Job:
		defaultJob(o)
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
		defaultPodSpec(&t.Spec)
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
	defaultPodSpec(&ds.Spec.Template.Spec)
}

// defaultJob applies Kubernetes' Job defaults and, once the Job has its UID
// and unless spec.manualSelector is true, generates its selector: the
// template gets batch.kubernetes.io/controller-uid and job-name labels (and
// their legacy twins) and the selector matches the controller-uid one, as
// kube-apiserver's job strategy does.
func defaultJob(j *batchv1.Job) {
	defaultJobSpec(&j.Spec)
	if j.UID == "" || (j.Spec.ManualSelector != nil && *j.Spec.ManualSelector) {
		return
	}
	hadLabels := len(j.Labels) > 0
	t := &j.Spec.Template
	if t.Labels == nil {
		t.Labels = map[string]string{}
	}
	for _, k := range []string{legacyJobNameLabel, batchv1.JobNameLabel} {
		if _, ok := t.Labels[k]; !ok {
			t.Labels[k] = j.Name
		}
	}
	for _, k := range []string{legacyControllerUIDLabel, batchv1.ControllerUidLabel} {
		if _, ok := t.Labels[k]; !ok {
			t.Labels[k] = string(j.UID)
		}
	}
	if j.Spec.Selector == nil {
		j.Spec.Selector = &metav1.LabelSelector{}
	}
	if j.Spec.Selector.MatchLabels == nil {
		j.Spec.Selector.MatchLabels = map[string]string{}
	}
	if _, ok := j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel]; !ok {
		j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] = string(j.UID)
	}
	// A Job without labels takes its template's, generated ones included.
	if !hadLabels {
		j.Labels = copyLabels(t.Labels)
	}
}

// defaultJobSpec is SetDefaults_Job of batch/v1.
func defaultJobSpec(s *batchv1.JobSpec) {
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions = ptrTo(int32(1))
	}
	if s.Parallelism == nil {
		s.Parallelism = ptrTo(int32(1))
	}
	if s.BackoffLimit == nil {
		s.BackoffLimit = ptrTo(defaultJobBackoffLimit)
	}
	if s.CompletionMode == nil {
		s.CompletionMode = ptrTo(batchv1.NonIndexedCompletion)
	}
	if s.Suspend == nil {
		s.Suspend = ptrTo(false)
	}
	if s.PodReplacementPolicy == nil {
		policy := batchv1.TerminatingOrFailed
		if s.PodFailurePolicy != nil {
			policy = batchv1.Failed
		}
		s.PodReplacementPolicy = &policy
	}
	defaultPodSpec(&s.Template.Spec)
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
	defaultPodSpec(&cj.Spec.JobTemplate.Spec.Template.Spec)
}

func copyLabels(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}
