package defaulting

import (
	"testing"

	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestJob(t *testing.T) {
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", UID: "uid-pi"},
		Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{
			RestartPolicy: corev1.RestartPolicyNever,
			Containers:    []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}},
	}
	Job(j)
	s := j.Spec
	if *s.Completions != 1 || *s.Parallelism != 1 || *s.BackoffLimit != 6 || *s.Suspend {
		t.Errorf("job spec defaults %+v", s)
	}
	if got := s.Selector.MatchLabels[batchv1.ControllerUidLabel]; got != "uid-pi" {
		t.Errorf("selector %v", s.Selector)
	}
	if j.Labels["job-name"] != "pi" || s.Template.Labels[batchv1.JobNameLabel] != "pi" {
		t.Errorf("labels %v template labels %v", j.Labels, s.Template.Labels)
	}
	if c := s.Template.Spec.Containers[0]; c.ImagePullPolicy != corev1.PullIfNotPresent || *s.Template.Spec.TerminationGracePeriodSeconds != 30 {
		t.Errorf("pod template defaults %+v", s.Template.Spec)
	}
}
