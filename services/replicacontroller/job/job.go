package job

import (
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const (
	podsResource = "pods"
	jobsResource = "jobs"
)

// Kind is what a Job's pods name as their controller.
var Kind = batchv1.SchemeGroupVersion.WithKind("Job")

// Back-off before a failed pod is replaced, as Kubernetes documents it.
const (
	initialBackoff = 10 * time.Second
	maxBackoff     = 6 * time.Minute
)

// defaultBackoffLimit is Kubernetes' default for spec.backoffLimit.
const defaultBackoffLimit = 6

// Input is what the Job decision reads.
type Input struct {
	Job *batchv1.Job
	// Pods are controlled by the Job; Orphans are the pods of its namespace
	// without a controller (the matching ones are adopted).
	Pods    []*corev1.Pod
	Orphans []*corev1.Pod
	Now     time.Time
	// PodName names a new pod from its base "<job>-"; nil: five random characters.
	PodName func(base string) string
}

// pods is a Job's pods sorted by state.
type pods struct {
	all, active        []*corev1.Pod
	succeeded, failed  int32
	ready, terminating int32
	restarts           int32     // container restarts of running and pending pods
	lastFailure        time.Time // when the latest failed pod ended
}

func countPods(claimed []*corev1.Pod) pods {
	ps := pods{all: claimed}
	for _, p := range claimed {
		switch {
		case p.Status.Phase == corev1.PodSucceeded:
			ps.succeeded++
		case p.Status.Phase == corev1.PodFailed:
			ps.failed++
			if t := finishedAt(p); t.After(ps.lastFailure) {
				ps.lastFailure = t
			}
		case p.DeletionTimestamp != nil:
			ps.terminating++
		default:
			ps.active = append(ps.active, p)
			if workload.IsReady(p) {
				ps.ready++
			}
			for _, cs := range append(append([]corev1.ContainerStatus(nil), p.Status.InitContainerStatuses...), p.Status.ContainerStatuses...) {
				ps.restarts += cs.RestartCount
			}
		}
	}
	return ps
}

// finishedAt is when a pod's last container ended, else when it became
// unready, else when it was created.
func finishedAt(p *corev1.Pod) time.Time {
	var t time.Time
	for _, cs := range p.Status.ContainerStatuses {
		if term := cs.State.Terminated; term != nil && term.FinishedAt.After(t) {
			t = term.FinishedAt.Time
		}
	}
	if t.IsZero() {
		if c := workload.ReadyCondition(p); c != nil {
			t = c.LastTransitionTime.Time
		}
	}
	if t.IsZero() {
		t = p.CreationTimestamp.Time
	}
	return t
}

// Decide runs one Job's pods toward its completions and writes its status.
func Decide(in Input) workload.Result {
	job := in.Job
	var res workload.Result
	if job == nil || job.Spec.Selector == nil {
		return res
	}
	sel, err := metav1.LabelSelectorAsSelector(job.Spec.Selector)
	if err != nil || sel.Empty() {
		return res
	}
	claimed, release, adopt := workload.Claimed(in.Pods, in.Orphans, sel, job, Kind, (*corev1.Pod).DeepCopy)
	for _, p := range append(release, adopt...) {
		res.Add(workload.Update, podsResource, p)
	}
	ps := countPods(claimed)
	st := job.Status.DeepCopy()
	st.Succeeded, st.Failed = ps.succeeded, ps.failed
	conds := conditions{list: &st.Conditions, now: in.Now}
	deleted, created := int32(0), int32(0)
	deleteActive := func(n int) {
		for _, p := range workload.PodsToDelete(ps.active, n) {
			res.Add(workload.Delete, podsResource, p.DeepCopy())
			deleted++
		}
	}
	switch {
	case job.DeletionTimestamp != nil:
	case conds.finished():
		deleteActive(len(ps.active)) // leftovers of a finished Job
	case isTrue(job.Spec.Suspend):
		deleteActive(len(ps.active))
		conds.set(batchv1.JobSuspended, corev1.ConditionTrue, "JobSuspended", "Job suspended")
	default:
		if c := conds.get(batchv1.JobSuspended); c != nil && c.Status == corev1.ConditionTrue {
			conds.set(batchv1.JobSuspended, corev1.ConditionFalse, "JobResumed", "Job resumed")
			st.StartTime = nil // a resumed Job starts its deadline anew
		}
		if st.StartTime == nil {
			t := workload.Stamp(in.Now)
			st.StartTime = &t
		}
		d := run{job: job, ps: ps, st: st, conds: conds, now: in.Now}
		res.RequeueAfter(d.decide(deleteActive, func(n int) {
			createPods(&res, job, claimed, n, in.PodName)
			created += int32(n)
		}))
	}
	// Pods just created count as active, as Kubernetes reports them.
	st.Active = int32(len(ps.active)) - deleted + created
	st.Ready = ptr(ps.ready)
	st.Terminating = ptr(ps.terminating + deleted)
	if !equality.Semantic.DeepEqual(job.Status, *st) {
		c := job.DeepCopy()
		c.Status = *st
		res.Add(workload.Status, jobsResource, c)
	}
	return res
}

// run is one pass over a Job that is running.
type run struct {
	job   *batchv1.Job
	ps    pods
	st    *batchv1.JobStatus
	conds conditions
	now   time.Time
}

// decide fails, completes or manages the Job, and says when to look again.
func (r run) decide(deleteActive, create func(n int)) time.Duration {
	reason, message, deadlineIn := r.failure()
	if c := r.conds.get(batchv1.JobFailureTarget); reason == "" && c != nil && c.Status == corev1.ConditionTrue {
		reason, message = c.Reason, c.Message
	}
	if reason != "" {
		deleteActive(len(r.ps.active))
		r.conds.set(batchv1.JobFailureTarget, corev1.ConditionTrue, reason, message)
		if r.ps.terminating == 0 && len(r.ps.active) == 0 {
			r.conds.set(batchv1.JobFailed, corev1.ConditionTrue, reason, message)
		}
		return 0
	}
	if r.complete() {
		deleteActive(len(r.ps.active))
		const msg = "Reached expected number of succeeded pods"
		r.conds.set(batchv1.JobSuccessCriteriaMet, corev1.ConditionTrue, batchv1.JobReasonCompletionsReached, msg)
		if r.ps.terminating == 0 && len(r.ps.active) == 0 {
			r.conds.set(batchv1.JobComplete, corev1.ConditionTrue, batchv1.JobReasonCompletionsReached, msg)
			t := workload.Stamp(r.now)
			r.st.CompletionTime = &t
		}
		return 0
	}
	want := r.wantActive()
	active := int32(len(r.ps.active))
	switch {
	case active > want:
		deleteActive(int(active - want))
	case active < want:
		if wait := r.backoffLeft(); wait > 0 {
			return min(wait, orNever(deadlineIn))
		}
		create(int(want - active))
	}
	return deadlineIn
}

// failure names why the Job fails now, if it does, and otherwise how long
// until its active deadline (0: none).
func (r run) failure() (reason, message string, deadlineIn time.Duration) {
	limit := int32(defaultBackoffLimit)
	if r.job.Spec.BackoffLimit != nil {
		limit = *r.job.Spec.BackoffLimit
	}
	const backoffMessage = "Job has reached the specified backoff limit"
	if r.ps.failed > limit {
		return batchv1.JobReasonBackoffLimitExceeded, backoffMessage, 0
	}
	// With OnFailure, pods restart in place: their restarts count instead.
	if r.job.Spec.Template.Spec.RestartPolicy == corev1.RestartPolicyOnFailure &&
		((limit == 0 && r.ps.restarts > 0) || (limit > 0 && r.ps.restarts >= limit)) {
		return batchv1.JobReasonBackoffLimitExceeded, backoffMessage, 0
	}
	if ads := r.job.Spec.ActiveDeadlineSeconds; ads != nil && r.st.StartTime != nil {
		left := r.st.StartTime.Add(time.Duration(*ads) * time.Second).Sub(r.now)
		if left <= 0 {
			return batchv1.JobReasonDeadlineExceeded, "Job was active longer than specified deadline", 0
		}
		return "", "", left
	}
	return "", "", 0
}

// complete: completions pods succeeded; without completions, one did and
// none is still running.
func (r run) complete() bool {
	if c := r.conds.get(batchv1.JobSuccessCriteriaMet); c != nil && c.Status == corev1.ConditionTrue {
		return true
	}
	if c := r.job.Spec.Completions; c != nil {
		return r.ps.succeeded >= *c
	}
	return r.ps.succeeded > 0 && len(r.ps.active) == 0
}

// wantActive is how many pods should run: parallelism, but no more than the
// completions still missing; once a work-queue Job has a success, no new ones.
func (r run) wantActive() int32 {
	parallelism := int32(1)
	if r.job.Spec.Parallelism != nil {
		parallelism = *r.job.Spec.Parallelism
	}
	if c := r.job.Spec.Completions; c != nil {
		return max(min(parallelism, *c-r.ps.succeeded), 0)
	}
	if r.ps.succeeded > 0 {
		return int32(len(r.ps.active))
	}
	return parallelism
}

// backoffLeft is how long new pods still wait after the latest failure.
func (r run) backoffLeft() time.Duration {
	if r.ps.failed == 0 {
		return 0
	}
	delay := initialBackoff
	for i := int32(1); i < r.ps.failed && delay < maxBackoff; i++ {
		delay *= 2
	}
	return r.ps.lastFailure.Add(min(delay, maxBackoff)).Sub(r.now)
}

func orNever(d time.Duration) time.Duration {
	if d <= 0 {
		return time.Duration(1<<63 - 1)
	}
	return d
}

// createPods adds n pods of the Job's template.
func createPods(res *workload.Result, job *batchv1.Job, existing []*corev1.Pod, n int, name func(string) string) {
	namer := workload.NewNamer(name, existing)
	base := workload.PodBase(job.Name)
	ref := workload.ControllerRef(Kind, job)
	for range n {
		res.Add(workload.Create, podsResource, workload.NewPod(&job.Spec.Template, job.Namespace, namer.Next(base), base, ref))
	}
}

func isTrue(b *bool) bool { return b != nil && *b }

func ptr[T any](v T) *T { return &v }
