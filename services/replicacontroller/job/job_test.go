package job

import (
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

func newJob(mods ...func(*batchv1.Job)) *batchv1.Job {
	lbl := map[string]string{batchv1.ControllerUidLabel: "job-uid", batchv1.JobNameLabel: "pi"}
	one := int32(1)
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default", UID: "job-uid", ResourceVersion: "7"},
		Spec: batchv1.JobSpec{Completions: &one, Parallelism: &one, Selector: &metav1.LabelSelector{MatchLabels: map[string]string{
			batchv1.ControllerUidLabel: "job-uid"}},
			Template: corev1.PodTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: lbl}, Spec: corev1.PodSpec{
				RestartPolicy: corev1.RestartPolicyNever, Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}},
	}
	for _, m := range mods {
		m(j)
	}
	return j
}

func completions(n int32) func(*batchv1.Job) { return func(j *batchv1.Job) { j.Spec.Completions = &n } }
func parallelism(n int32) func(*batchv1.Job) { return func(j *batchv1.Job) { j.Spec.Parallelism = &n } }
func backoffLimit(n int32) func(*batchv1.Job) {
	return func(j *batchv1.Job) { j.Spec.BackoffLimit = &n }
}
func started(ago time.Duration) func(*batchv1.Job) {
	return func(j *batchv1.Job) { t := metav1.NewTime(t0.Add(-ago)); j.Status.StartTime = &t }
}
func withCondition(t batchv1.JobConditionType, reason string) func(*batchv1.Job) {
	return func(j *batchv1.Job) {
		j.Status.Conditions = append(j.Status.Conditions, batchv1.JobCondition{Type: t, Status: corev1.ConditionTrue, Reason: reason})
	}
}

// pod is a pod of the job in a phase; "terminating" marks it deleted, and
// "restarted" is running with two container restarts.
func pod(j *batchv1.Job, name, state string, endedAgo time.Duration) *corev1.Pod {
	p := workload.NewPod(&j.Spec.Template, j.Namespace, name, "pi-", workload.ControllerRef(Kind, j))
	p.CreationTimestamp = metav1.NewTime(t0.Add(-time.Hour))
	p.ResourceVersion = "3"
	p.Spec.NodeName = "n1"
	switch state {
	case "succeeded":
		p.Status.Phase = corev1.PodSucceeded
	case "failed":
		p.Status.Phase = corev1.PodFailed
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", State: corev1.ContainerState{
			Terminated: &corev1.ContainerStateTerminated{ExitCode: 1, FinishedAt: metav1.NewTime(t0.Add(-endedAgo))}}}}
	case "terminating":
		p.Status.Phase = corev1.PodRunning
		ts := metav1.NewTime(t0)
		p.DeletionTimestamp = &ts
	case "ready":
		p.Status.Phase = corev1.PodRunning
		p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: corev1.ConditionTrue}}
	case "restarted":
		p.Status.Phase = corev1.PodRunning
		p.Status.ContainerStatuses = []corev1.ContainerStatus{{Name: "c", RestartCount: 2}}
	default:
		p.Status.Phase = corev1.PodRunning
	}
	return p
}

func summary(res workload.Result) string {
	var out []string
	for _, c := range res.Changes {
		if c.Resource == podsResource {
			out = append(out, fmt.Sprintf("%s:%s", c.Action, c.Object.GetName()))
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func statusOf(j *batchv1.Job, res workload.Result) batchv1.JobStatus {
	for _, c := range res.Changes {
		if c.Action == workload.Status {
			return c.Object.(*batchv1.Job).Status
		}
	}
	return j.Status
}

// conds renders true conditions as "Type/Reason".
func conds(st batchv1.JobStatus) string {
	var out []string
	for _, c := range st.Conditions {
		if c.Status == corev1.ConditionTrue {
			out = append(out, string(c.Type)+"/"+c.Reason)
		}
	}
	return strings.Join(out, " ")
}

func TestDecide(t *testing.T) {
	type podSpec struct {
		name, state string
		endedAgo    time.Duration
	}
	tests := []struct {
		name                      string
		mods                      []func(*batchv1.Job)
		pods                      []podSpec
		changes                   string
		conditions                string
		active, succeeded, failed int32
		requeue                   time.Duration
		completed                 bool
	}{
		{"starts one pod", nil, nil, "created:pi-1", "", 1, 0, 0, 0, false},
		{"parallelism bounded by completions left", []func(*batchv1.Job){completions(5), parallelism(3)},
			[]podSpec{{"a", "succeeded", 0}, {"b", "succeeded", 0}, {"c", "succeeded", 0}}, "created:pi-1 created:pi-2", "", 2, 3, 0, 0, false},
		{"running pod is enough", nil, []podSpec{{"a", "ready", 0}}, "", "", 1, 0, 0, 0, false},
		{"succeeded: complete", nil, []podSpec{{"a", "succeeded", 0}}, "",
			"SuccessCriteriaMet/CompletionsReached Complete/CompletionsReached", 0, 1, 0, 0, true},
		{"completions reached, extra pod deleted first", []func(*batchv1.Job){completions(2), parallelism(2)},
			[]podSpec{{"a", "succeeded", 0}, {"b", "succeeded", 0}, {"c", "running", 0}}, "deleted:c", "SuccessCriteriaMet/CompletionsReached", 0, 2, 0, 0, false},
		{"complete once the last pod is gone", []func(*batchv1.Job){completions(1), withCondition(batchv1.JobSuccessCriteriaMet, "CompletionsReached")},
			[]podSpec{{"a", "succeeded", 0}}, "", "SuccessCriteriaMet/CompletionsReached Complete/CompletionsReached", 0, 1, 0, 0, true},
		{"work queue: waits for the others", []func(*batchv1.Job){func(j *batchv1.Job) { j.Spec.Completions = nil }, parallelism(2)},
			[]podSpec{{"a", "succeeded", 0}, {"b", "running", 0}}, "", "", 1, 1, 0, 0, false},
		{"work queue: done when all ended", []func(*batchv1.Job){func(j *batchv1.Job) { j.Spec.Completions = nil }, parallelism(2)},
			[]podSpec{{"a", "succeeded", 0}, {"b", "succeeded", 0}}, "", "SuccessCriteriaMet/CompletionsReached Complete/CompletionsReached", 0, 2, 0, 0, true},
		{"failed pod replaced after back-off", nil, []podSpec{{"a", "failed", 11 * time.Second}}, "created:pi-1", "", 1, 0, 1, 0, false},
		{"failed pod waits for its back-off", nil, []podSpec{{"a", "failed", 4 * time.Second}}, "", "", 0, 0, 1, 6 * time.Second, false},
		{"back-off doubles", nil, []podSpec{{"a", "failed", time.Hour}, {"b", "failed", 10 * time.Second}}, "", "", 0, 0, 2, 10 * time.Second, false},
		{"backoffLimit exceeded", []func(*batchv1.Job){backoffLimit(1)},
			[]podSpec{{"a", "failed", time.Minute}, {"b", "failed", time.Second}, {"c", "running", 0}}, "deleted:c",
			"FailureTarget/BackoffLimitExceeded", 0, 0, 2, 0, false},
		{"failed once nothing runs", []func(*batchv1.Job){backoffLimit(0)}, []podSpec{{"a", "failed", time.Minute}}, "",
			"FailureTarget/BackoffLimitExceeded Failed/BackoffLimitExceeded", 0, 0, 1, 0, false},
		{"default backoffLimit is 6", nil, []podSpec{{"1", "failed", time.Hour}, {"2", "failed", time.Hour}, {"3", "failed", time.Hour},
			{"4", "failed", time.Hour}, {"5", "failed", time.Hour}, {"6", "failed", time.Hour}, {"7", "failed", time.Hour}}, "",
			"FailureTarget/BackoffLimitExceeded Failed/BackoffLimitExceeded", 0, 0, 7, 0, false},
		{"OnFailure counts restarts", []func(*batchv1.Job){backoffLimit(2), func(j *batchv1.Job) {
			j.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyOnFailure
		}}, []podSpec{{"a", "restarted", 0}}, "deleted:a", "FailureTarget/BackoffLimitExceeded", 0, 0, 0, 0, false},
		{"deadline exceeded", []func(*batchv1.Job){started(2 * time.Minute), func(j *batchv1.Job) { j.Spec.ActiveDeadlineSeconds = ptr(int64(60)) }},
			[]podSpec{{"a", "running", 0}}, "deleted:a", "FailureTarget/DeadlineExceeded", 0, 0, 0, 0, false},
		{"deadline ahead: requeued for it", []func(*batchv1.Job){started(20 * time.Second), func(j *batchv1.Job) { j.Spec.ActiveDeadlineSeconds = ptr(int64(60)) }},
			[]podSpec{{"a", "running", 0}}, "", "", 1, 0, 0, 40 * time.Second, false},
		{"suspended: pods deleted", []func(*batchv1.Job){func(j *batchv1.Job) { j.Spec.Suspend = ptr(true) }},
			[]podSpec{{"a", "running", 0}}, "deleted:a", "Suspended/JobSuspended", 0, 0, 0, 0, false},
		{"resumed", []func(*batchv1.Job){withCondition(batchv1.JobSuspended, "JobSuspended")}, nil, "created:pi-1", "", 1, 0, 0, 0, false},
		{"terminating pod replaced", nil, []podSpec{{"a", "terminating", 0}}, "created:pi-1", "", 1, 0, 0, 0, false},
		{"finished job does nothing more", []func(*batchv1.Job){withCondition(batchv1.JobComplete, "")}, []podSpec{{"a", "succeeded", 0}}, "",
			"Complete/", 0, 1, 0, 0, false},
		{"lower parallelism deletes", []func(*batchv1.Job){completions(4), parallelism(1)},
			[]podSpec{{"a", "running", 0}, {"b", "ready", 0}}, "deleted:a", "", 1, 0, 0, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j := newJob(tt.mods...)
			var ps []*corev1.Pod
			for _, p := range tt.pods {
				ps = append(ps, pod(j, p.name, p.state, p.endedAgo))
			}
			n := 0
			res := Decide(Input{Job: j, Pods: ps, Now: t0, PodName: func(base string) string { n++; return fmt.Sprintf("%s%d", base, n) }})
			if got := summary(res); got != tt.changes {
				t.Errorf("changes %q, want %q", got, tt.changes)
			}
			st := statusOf(j, res)
			if got := conds(st); got != tt.conditions {
				t.Errorf("conditions %q, want %q", got, tt.conditions)
			}
			if st.Active != tt.active || st.Succeeded != tt.succeeded || st.Failed != tt.failed {
				t.Errorf("active %d succeeded %d failed %d", st.Active, st.Succeeded, st.Failed)
			}
			if res.Requeue != tt.requeue {
				t.Errorf("requeue %v, want %v", res.Requeue, tt.requeue)
			}
			if (st.CompletionTime != nil) != tt.completed || (tt.completed && !st.CompletionTime.Time.Equal(t0)) {
				t.Errorf("completionTime %v", st.CompletionTime)
			}
			if st.StartTime == nil && j.Spec.Suspend == nil && !IsFinished(st.Conditions) {
				t.Errorf("no startTime")
			}
		})
	}
}

func TestNewPodsAndStatusSettle(t *testing.T) {
	j := newJob()
	res := Decide(Input{Job: j, Now: t0})
	p := res.Changes[0].Object.(*corev1.Pod)
	ref := metav1.GetControllerOf(p)
	if ref == nil || ref.Kind != "Job" || ref.APIVersion != "batch/v1" || ref.UID != j.UID || !*ref.BlockOwnerDeletion ||
		p.Labels[batchv1.JobNameLabel] != "pi" || p.GenerateName != "pi-" || len(p.Name) != len("pi-")+5 {
		t.Fatalf("pod %s ref %+v labels %v", p.Name, ref, p.Labels)
	}
	// Once the status is written, the same pods make no change at all.
	settled := res.Changes[1].Object.(*batchv1.Job)
	p.ResourceVersion = "8"
	p.Status.Phase = corev1.PodRunning
	if again := Decide(Input{Job: settled, Pods: []*corev1.Pod{p}, Now: t0.Add(time.Minute)}); len(again.Changes) != 0 {
		t.Fatalf("settled job changed: %+v", again.Changes)
	}
	// An orphan matching the selector is adopted instead of a new pod made.
	stray := p.DeepCopy()
	stray.OwnerReferences = nil
	if got := summary(Decide(Input{Job: newJob(), Orphans: []*corev1.Pod{stray}, Now: t0})); got != "updated:"+stray.Name {
		t.Fatalf("adoption: %q", got)
	}
}
