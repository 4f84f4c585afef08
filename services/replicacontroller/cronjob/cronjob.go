package cronjob

import (
	"cmp"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/google/uuid"
	"github.com/jetplane/jetplane/defaulting"
	"github.com/jetplane/jetplane/services/replicacontroller/job"
	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

const (
	jobsResource     = "jobs"
	cronJobsResource = "cronjobs"
)

// Kind is what a CronJob's Jobs name as their controller.
var Kind = batchv1.SchemeGroupVersion.WithKind("CronJob")

// Defaults of the history limits, as Kubernetes has them.
const (
	defaultSuccessfulJobsHistoryLimit = 3
	defaultFailedJobsHistoryLimit     = 1
)

// nextDelta is added to the wait for the next time, so the controller wakes
// just after it, as Kubernetes does.
const nextDelta = 100 * time.Millisecond

// Input is what the CronJob decision reads.
type Input struct {
	CronJob *batchv1.CronJob
	// Jobs are the Jobs the CronJob controls.
	Jobs []*batchv1.Job
	// Taken tells whether a Job of that name exists that the CronJob does
	// not control (then its run is not made).
	Taken func(name string) bool
	Now   time.Time
	// Location is the zone of schedules without spec.timeZone: the
	// controller's own, as in Kubernetes; nil is UTC.
	Location *time.Location
	// NewUID gives a new Job its UID (its generated selector names it);
	// nil: a random UUID.
	NewUID func() types.UID
}

// Decide creates, replaces and cleans up the CronJob's Jobs and writes its
// status; Requeue is the wait until the next time of the schedule.
func Decide(in Input) workload.Result {
	cj := in.CronJob
	var res workload.Result
	if cj == nil {
		return res
	}
	st := cj.Status.DeepCopy()
	var active, succeeded, failed []*batchv1.Job
	for _, j := range in.Jobs {
		switch t, done := job.FinishedCondition(j.Status.Conditions); {
		case !done:
			active = append(active, j)
		case t == batchv1.JobComplete:
			succeeded = append(succeeded, j)
			if c := j.Status.CompletionTime; c != nil && (st.LastSuccessfulTime == nil || c.After(st.LastSuccessfulTime.Time)) {
				st.LastSuccessfulTime = c.DeepCopy()
			}
		default:
			failed = append(failed, j)
		}
	}
	if cj.DeletionTimestamp == nil {
		deleteOldest(&res, succeeded, limit(cj.Spec.SuccessfulJobsHistoryLimit, defaultSuccessfulJobsHistoryLimit))
		deleteOldest(&res, failed, limit(cj.Spec.FailedJobsHistoryLimit, defaultFailedJobsHistoryLimit))
		if cj.Spec.Suspend == nil || !*cj.Spec.Suspend {
			res.Requeue = schedule(in, st, &active, &res)
		}
	}
	st.Active = references(active)
	if !equality.Semantic.DeepEqual(cj.Status, *st) {
		c := cj.DeepCopy()
		c.Status = *st
		res.Add(workload.Status, cronJobsResource, c)
	}
	return res
}

// schedule starts the run that is due, if any, and returns the wait until
// the next one. active loses the Jobs a Replace deletes.
func schedule(in Input, st *batchv1.CronJobStatus, active *[]*batchv1.Job, res *workload.Result) time.Duration {
	cj := in.CronJob
	loc := in.Location
	if loc == nil {
		loc = time.UTC
	}
	if tz := cj.Spec.TimeZone; tz != nil {
		l, err := time.LoadLocation(*tz)
		if err != nil {
			return 0 // validation keeps unknown zones out; nothing to wait for
		}
		loc = l
	}
	sched, err := Parse(cj.Spec.Schedule, loc)
	if err != nil {
		return 0
	}
	earliest := cj.CreationTimestamp.Time
	if st.LastScheduleTime != nil {
		earliest = st.LastScheduleTime.Time
	}
	if d := cj.Spec.StartingDeadlineSeconds; d != nil {
		if w := in.Now.Add(-time.Duration(*d) * time.Second); w.After(earliest) {
			earliest = w
		}
	}
	wait := time.Duration(0)
	if next := sched.Next(in.Now); !next.IsZero() {
		wait = next.Sub(in.Now) + nextDelta
	}
	due, _, err := mostRecent(sched, earliest, in.Now)
	if err != nil || due.IsZero() {
		return wait
	}
	name := JobName(cj, due)
	if st.LastScheduleTime != nil && st.LastScheduleTime.Time.Equal(due) {
		return wait // already started
	}
	if slices.ContainsFunc(in.Jobs, func(j *batchv1.Job) bool { return j.Name == name }) || (in.Taken != nil && in.Taken(name)) {
		return wait
	}
	switch cj.Spec.ConcurrencyPolicy {
	case batchv1.ForbidConcurrent:
		if len(*active) > 0 {
			return wait // skipped; the run may still start within its deadline once they end
		}
	case batchv1.ReplaceConcurrent:
		for _, j := range *active {
			res.Changes = append(res.Changes, workload.Change{Action: workload.Delete, Resource: jobsResource,
				Object: j.DeepCopy(), Expected: workload.ExpectedOf(j), Propagation: metav1.DeletePropagationBackground})
		}
		*active = nil
	}
	res.Add(workload.Create, jobsResource, newJob(in, due, loc))
	t := metav1.NewTime(due)
	st.LastScheduleTime = &t
	return wait
}

// JobName is the name of the run at scheduled: "<cronjob>-<minutes since
// the epoch>", as Kubernetes names it.
func JobName(cj *batchv1.CronJob, scheduled time.Time) string {
	return fmt.Sprintf("%s-%d", cj.Name, scheduled.Unix()/60)
}

// newJob is the Job of the run at scheduled, defaulted as the API server
// stores a new Job.
func newJob(in Input, scheduled time.Time, loc *time.Location) *batchv1.Job {
	cj := in.CronJob
	tmpl := &cj.Spec.JobTemplate
	uid := types.UID(uuid.NewString())
	if in.NewUID != nil {
		uid = in.NewUID()
	}
	annotations := maps.Clone(tmpl.Annotations)
	if annotations == nil {
		annotations = map[string]string{}
	}
	annotations[batchv1.CronJobScheduledTimestampAnnotation] = scheduled.In(loc).Format(time.RFC3339)
	j := &batchv1.Job{
		ObjectMeta: metav1.ObjectMeta{
			Name:            JobName(cj, scheduled),
			Namespace:       cj.Namespace,
			UID:             uid,
			Labels:          maps.Clone(tmpl.Labels),
			Annotations:     annotations,
			OwnerReferences: []metav1.OwnerReference{workload.ControllerRef(Kind, cj)},
		},
		Spec: *tmpl.Spec.DeepCopy(),
	}
	defaulting.Job(j)
	return j
}

// deleteOldest deletes the jobs beyond the newest keep (by start time, Jobs
// not started counting as newest), in background, as Kubernetes does.
func deleteOldest(res *workload.Result, jobs []*batchv1.Job, keep int32) {
	if int32(len(jobs)) <= keep {
		return
	}
	sorted := slices.Clone(jobs)
	slices.SortStableFunc(sorted, func(a, b *batchv1.Job) int {
		switch {
		case a.Status.StartTime == nil && b.Status.StartTime == nil:
			return cmp.Compare(a.Name, b.Name)
		case a.Status.StartTime == nil:
			return 1
		case b.Status.StartTime == nil:
			return -1
		}
		return a.Status.StartTime.Time.Compare(b.Status.StartTime.Time)
	})
	for _, j := range sorted[:len(sorted)-int(keep)] {
		res.Changes = append(res.Changes, workload.Change{Action: workload.Delete, Resource: jobsResource,
			Object: j.DeepCopy(), Expected: workload.ExpectedOf(j), Propagation: metav1.DeletePropagationBackground})
	}
}

func limit(v *int32, def int32) int32 {
	if v == nil {
		return def
	}
	return max(*v, 0)
}

// references lists the running Jobs for status.active, by name. The
// resourceVersion is left out so that a Job's own changes do not rewrite
// the CronJob's status.
func references(jobs []*batchv1.Job) []corev1.ObjectReference {
	var out []corev1.ObjectReference
	for _, j := range jobs {
		out = append(out, corev1.ObjectReference{Kind: "Job", APIVersion: "batch/v1", Namespace: j.Namespace, Name: j.Name, UID: j.UID})
	}
	slices.SortFunc(out, func(a, b corev1.ObjectReference) int { return cmp.Compare(a.Name, b.Name) })
	return out
}
