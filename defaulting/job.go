package defaulting

import (
	"maps"

	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Job defaults, as Kubernetes has them.
const (
	jobBackoffLimit          int32 = 6
	legacyJobNameLabel             = "job-name"
	legacyControllerUIDLabel       = "controller-uid"
)

// Job applies Kubernetes' Job defaults and, once the Job has its UID
// and unless spec.manualSelector is true, generates its selector: the
// template gets batch.kubernetes.io/controller-uid and job-name labels (and
// their legacy twins) and the selector matches the controller-uid one, as
// kube-apiserver's job strategy does.
func Job(j *batchv1.Job) {
	JobSpec(&j.Spec)
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
		j.Labels = maps.Clone(t.Labels)
	}
}

// JobSpec is SetDefaults_Job of batch/v1.
func JobSpec(s *batchv1.JobSpec) {
	if s.Completions == nil && s.Parallelism == nil {
		s.Completions = ptrTo(int32(1))
	}
	if s.Parallelism == nil {
		s.Parallelism = ptrTo(int32(1))
	}
	if s.BackoffLimit == nil {
		s.BackoffLimit = ptrTo(jobBackoffLimit)
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
	PodSpec(&s.Template.Spec)
}
