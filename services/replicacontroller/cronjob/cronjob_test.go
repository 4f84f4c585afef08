package cronjob

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
	"k8s.io/apimachinery/pkg/types"
)

// t0 is 12:07:30 UTC; the CronJob was made at 11:00.
var t0 = time.Date(2025, 3, 1, 12, 7, 30, 0, time.UTC)

func cronJob(mods ...func(*batchv1.CronJob)) *batchv1.CronJob {
	cj := &batchv1.CronJob{
		ObjectMeta: metav1.ObjectMeta{Name: "tick", Namespace: "default", UID: "cj-uid", ResourceVersion: "4",
			CreationTimestamp: metav1.NewTime(time.Date(2025, 3, 1, 11, 0, 0, 0, time.UTC))},
		Spec: batchv1.CronJobSpec{Schedule: "*/5 * * * *", ConcurrencyPolicy: batchv1.AllowConcurrent,
			JobTemplate: batchv1.JobTemplateSpec{ObjectMeta: metav1.ObjectMeta{Labels: map[string]string{"team": "a"}},
				Spec: batchv1.JobSpec{Template: corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
					Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}}}},
	}
	for _, m := range mods {
		m(cj)
	}
	return cj
}

func lastScheduled(h, m int) func(*batchv1.CronJob) {
	return func(cj *batchv1.CronJob) {
		t := metav1.NewTime(time.Date(2025, 3, 1, h, m, 0, 0, time.UTC))
		cj.Status.LastScheduleTime = &t
	}
}

func policy(p batchv1.ConcurrencyPolicy) func(*batchv1.CronJob) {
	return func(cj *batchv1.CronJob) { cj.Spec.ConcurrencyPolicy = p }
}

// runOf is a Job of cj that started at h:m, running or finished ("Complete",
// "Failed").
func runOf(cj *batchv1.CronJob, h, m int, finished batchv1.JobConditionType) *batchv1.Job {
	start := time.Date(2025, 3, 1, h, m, 0, 0, time.UTC)
	j := &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: JobName(cj, start), Namespace: "default", UID: types.UID(fmt.Sprintf("j-%d%02d", h, m)),
		ResourceVersion: "2", OwnerReferences: []metav1.OwnerReference{workload.ControllerRef(Kind, cj)}}}
	st := metav1.NewTime(start)
	j.Status.StartTime = &st
	if finished != "" {
		done := metav1.NewTime(start.Add(time.Minute))
		j.Status.Conditions = []batchv1.JobCondition{{Type: finished, Status: corev1.ConditionTrue}}
		if finished == batchv1.JobComplete {
			j.Status.CompletionTime = &done
		}
	}
	return j
}

func summary(res workload.Result) string {
	var out []string
	for _, c := range res.Changes {
		if c.Resource == jobsResource {
			out = append(out, fmt.Sprintf("%s:%s", c.Action, c.Object.GetName()))
		}
	}
	sort.Strings(out)
	return strings.Join(out, " ")
}

func status(cj *batchv1.CronJob, res workload.Result) batchv1.CronJobStatus {
	for _, c := range res.Changes {
		if c.Action == workload.Status {
			return c.Object.(*batchv1.CronJob).Status
		}
	}
	return cj.Status
}

// at 12:05 the run is "tick-29013845" (minutes since the epoch).
const run1205 = "tick-29013845"

func TestDecide(t *testing.T) {
	base := cronJob()
	tests := []struct {
		name    string
		cj      *batchv1.CronJob
		jobs    []*batchv1.Job
		taken   string
		want    string
		last    string // lastScheduleTime after, HH:MM
		active  int
		requeue time.Duration
	}{
		{"first run: the most recent time", cronJob(), nil, "", "created:" + run1205, "12:05", 0, 2*time.Minute + 30*time.Second + nextDelta},
		{"already started", cronJob(lastScheduled(12, 5)), []*batchv1.Job{runOf(base, 12, 5, "")}, "", "", "12:05", 1, 2*time.Minute + 30*time.Second + nextDelta},
		{"job exists though not recorded", cronJob(lastScheduled(12, 0)), []*batchv1.Job{runOf(base, 12, 5, "")}, "", "", "12:00", 1, 2*time.Minute + 30*time.Second + nextDelta},
		{"name taken by another", cronJob(lastScheduled(12, 0)), nil, run1205, "", "12:00", 0, 2*time.Minute + 30*time.Second + nextDelta},
		{"allow runs beside", cronJob(lastScheduled(12, 0)), []*batchv1.Job{runOf(base, 12, 0, "")}, "", "created:" + run1205, "12:05", 1, 2*time.Minute + 30*time.Second + nextDelta},
		{"forbid skips", cronJob(lastScheduled(12, 0), policy(batchv1.ForbidConcurrent)), []*batchv1.Job{runOf(base, 12, 0, "")}, "", "", "12:00", 1, 2*time.Minute + 30*time.Second + nextDelta},
		{"forbid runs when none runs", cronJob(lastScheduled(12, 0), policy(batchv1.ForbidConcurrent)), []*batchv1.Job{runOf(base, 12, 0, batchv1.JobComplete)}, "",
			"created:" + run1205, "12:05", 0, 2*time.Minute + 30*time.Second + nextDelta},
		{"replace deletes the running one", cronJob(lastScheduled(12, 0), policy(batchv1.ReplaceConcurrent)), []*batchv1.Job{runOf(base, 12, 0, "")}, "",
			"created:" + run1205 + " deleted:tick-29013840", "12:05", 0, 2*time.Minute + 30*time.Second + nextDelta},
		{"suspended", cronJob(func(cj *batchv1.CronJob) { cj.Spec.Suspend = ptr(true) }), nil, "", "", "", 0, 0},
		{"missed its deadline", cronJob(lastScheduled(12, 0), func(cj *batchv1.CronJob) { cj.Spec.StartingDeadlineSeconds = ptr(int64(60)) }), nil, "",
			"", "12:00", 0, 2*time.Minute + 30*time.Second + nextDelta},
		{"within its deadline", cronJob(lastScheduled(12, 0), func(cj *batchv1.CronJob) { cj.Spec.StartingDeadlineSeconds = ptr(int64(200)) }), nil, "",
			"created:" + run1205, "12:05", 0, 2*time.Minute + 30*time.Second + nextDelta},
		{"hourly descriptor", cronJob(func(cj *batchv1.CronJob) { cj.Spec.Schedule = "@hourly" }), nil, "", "created:tick-29013840", "12:00", 0,
			52*time.Minute + 30*time.Second + nextDelta},
		{"time zone: 13:00 in Paris is 12:00 UTC", cronJob(func(cj *batchv1.CronJob) {
			cj.Spec.Schedule, cj.Spec.TimeZone = "0 13 * * *", ptr("Europe/Paris")
		}), nil, "", "created:tick-29013840", "12:00", 0, 24*time.Hour - 7*time.Minute - 30*time.Second + nextDelta},
		{"bad schedule does nothing", cronJob(func(cj *batchv1.CronJob) { cj.Spec.Schedule = "nonsense" }), nil, "", "", "", 0, 0},
		{"history limits", cronJob(lastScheduled(12, 5), func(cj *batchv1.CronJob) { cj.Spec.SuccessfulJobsHistoryLimit = ptr(int32(2)) }),
			[]*batchv1.Job{runOf(base, 11, 40, batchv1.JobComplete), runOf(base, 11, 45, batchv1.JobComplete), runOf(base, 11, 50, batchv1.JobComplete),
				runOf(base, 11, 55, batchv1.JobFailed), runOf(base, 12, 0, batchv1.JobFailed)}, "",
			"deleted:tick-29013820 deleted:tick-29013835", "12:05", 0, 2*time.Minute + 30*time.Second + nextDelta},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := Decide(Input{CronJob: tt.cj, Jobs: tt.jobs, Now: t0, Taken: func(n string) bool { return n == tt.taken },
				NewUID: func() types.UID { return "new-uid" }})
			if got := summary(res); got != tt.want {
				t.Errorf("changes %q, want %q", got, tt.want)
			}
			st := status(tt.cj, res)
			last := ""
			if st.LastScheduleTime != nil {
				last = st.LastScheduleTime.UTC().Format("15:04")
			}
			if last != tt.last || len(st.Active) != tt.active {
				t.Errorf("lastScheduleTime %q active %d, want %q %d", last, len(st.Active), tt.last, tt.active)
			}
			if res.Requeue != tt.requeue {
				t.Errorf("requeue %v, want %v", res.Requeue, tt.requeue)
			}
			for _, c := range res.Changes {
				if c.Action == workload.Delete && c.Propagation != metav1.DeletePropagationBackground {
					t.Errorf("delete of %s with %q", c.Object.GetName(), c.Propagation)
				}
			}
		})
	}
}

func TestNewJob(t *testing.T) {
	cj := cronJob(func(cj *batchv1.CronJob) { cj.Spec.TimeZone = ptr("Europe/Paris") })
	res := Decide(Input{CronJob: cj, Now: t0, NewUID: func() types.UID { return "new-uid" }})
	j := res.Changes[0].Object.(*batchv1.Job)
	ref := metav1.GetControllerOf(j)
	if j.UID != "new-uid" || ref == nil || ref.Kind != "CronJob" || ref.UID != cj.UID || !*ref.BlockOwnerDeletion || j.Labels["team"] != "a" {
		t.Fatalf("job %s uid %s ref %+v labels %v", j.Name, j.UID, ref, j.Labels)
	}
	if got := j.Annotations[batchv1.CronJobScheduledTimestampAnnotation]; got != "2025-03-01T13:05:00+01:00" {
		t.Fatalf("scheduled timestamp %q", got)
	}
	// Defaulted as the API server stores a Job: selector generated from its UID.
	if j.Spec.Selector == nil || j.Spec.Selector.MatchLabels[batchv1.ControllerUidLabel] != "new-uid" ||
		j.Spec.Template.Labels[batchv1.JobNameLabel] != j.Name || *j.Spec.BackoffLimit != 6 {
		t.Fatalf("job spec %+v", j.Spec)
	}
	// The status written records the run; the active list fills once the Job is there.
	if st := status(cj, res); st.LastScheduleTime == nil || len(st.Active) != 0 {
		t.Fatalf("status %+v", st)
	}
	after := cj.DeepCopy()
	after.Status = status(cj, res)
	j.ResourceVersion = "9"
	again := Decide(Input{CronJob: after, Jobs: []*batchv1.Job{j}, Now: t0.Add(time.Second)})
	if st := status(after, again); len(st.Active) != 1 || st.Active[0].UID != "new-uid" || len(again.Changes) != 1 {
		t.Fatalf("second pass %+v", again.Changes)
	}
}

func TestMostRecent(t *testing.T) {
	every, _ := Parse("* * * * *", time.UTC)
	hourly, _ := Parse("@hourly", time.UTC)
	start := time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name      string
		sched     string
		now       time.Time
		want      time.Time
		wantCount int
	}{
		{"none yet", "hourly", start.Add(30 * time.Minute), time.Time{}, 0},
		{"one", "hourly", start.Add(90 * time.Minute), start.Add(time.Hour), 1},
		{"many minutes, jumping ahead", "every", start.Add(30*24*time.Hour + 30*time.Second), start.Add(30 * 24 * time.Hour), 30 * 24 * 60},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := hourly
			if tt.sched == "every" {
				s = every
			}
			got, n, err := mostRecent(s, start, tt.now)
			if err != nil || !got.Equal(tt.want) || n != tt.wantCount {
				t.Fatalf("%v %d %v, want %v %d", got, n, err, tt.want, tt.wantCount)
			}
		})
	}
	if _, err := Parse("TZ=Nowhere/Land 0 * * * *", time.UTC); err == nil {
		t.Fatal("schedule with a bad zone parsed")
	}
}

func ptr[T any](v T) *T { return &v }
