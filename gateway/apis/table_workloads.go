package apis

import (
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/duration"
)

// The layouts of the other workload kinds join the printers here, so that
// each kind's table lives beside its columns.
func init() {
	printers["replicationcontrollers"] = printer{replicationControllerColumns, replicationControllerCells}
	printers["daemonsets"] = printer{daemonSetColumns, daemonSetCells}
	printers["jobs"] = printer{jobColumns, jobCells}
	printers["cronjobs"] = printer{cronJobColumns, cronJobCells}
}

var replicationControllerColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Desired", "integer", corev1.ReplicationControllerSpec{}.SwaggerDoc()["replicas"], 0),
	column("Current", "integer", corev1.ReplicationControllerStatus{}.SwaggerDoc()["replicas"], 0),
	column("Ready", "integer", corev1.ReplicationControllerStatus{}.SwaggerDoc()["readyReplicas"], 0),
	ageColumn,
	containersColumn,
	imagesColumn,
	column("Selector", "string", corev1.ReplicationControllerSpec{}.SwaggerDoc()["selector"], 1),
}

func replicationControllerCells(obj events.Object, now time.Time) ([]interface{}, error) {
	rc, ok := obj.(*corev1.ReplicationController)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a ReplicationController", errWrongType, obj)
	}
	names, images := "", ""
	if rc.Spec.Template != nil {
		names, images = containerNamesAndImages(&rc.Spec.Template.Spec)
	}
	return []interface{}{
		rc.Name,
		int64(replicasOf(rc.Spec.Replicas)),
		int64(rc.Status.Replicas),
		int64(rc.Status.ReadyReplicas),
		age(rc, now),
		names, images, labels.FormatLabels(rc.Spec.Selector),
	}, nil
}

var daemonSetColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Desired", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["desiredNumberScheduled"], 0),
	column("Current", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["currentNumberScheduled"], 0),
	column("Ready", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["numberReady"], 0),
	column("Up-to-date", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["updatedNumberScheduled"], 0),
	column("Available", "integer", appsv1.DaemonSetStatus{}.SwaggerDoc()["numberAvailable"], 0),
	column("Node Selector", "string", corev1.PodSpec{}.SwaggerDoc()["nodeSelector"], 0),
	ageColumn,
	containersColumn,
	imagesColumn,
	column("Selector", "string", appsv1.DaemonSetSpec{}.SwaggerDoc()["selector"], 1),
}

func daemonSetCells(obj events.Object, now time.Time) ([]interface{}, error) {
	ds, ok := obj.(*appsv1.DaemonSet)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a DaemonSet", errWrongType, obj)
	}
	sel, err := selectorString(ds.Spec.Selector)
	if err != nil {
		return nil, err
	}
	names, images := containerNamesAndImages(&ds.Spec.Template.Spec)
	s := ds.Status
	return []interface{}{
		ds.Name,
		int64(s.DesiredNumberScheduled),
		int64(s.CurrentNumberScheduled),
		int64(s.NumberReady),
		int64(s.UpdatedNumberScheduled),
		int64(s.NumberAvailable),
		labels.FormatLabels(ds.Spec.Template.Spec.NodeSelector),
		age(ds, now),
		names, images, sel,
	}, nil
}

var jobColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Status", "string", "Status of the job.", 0),
	column("Completions", "string", batchv1.JobStatus{}.SwaggerDoc()["succeeded"], 0),
	column("Duration", "string", "Time required to complete the job.", 0),
	ageColumn,
	containersColumn,
	imagesColumn,
	column("Selector", "string", batchv1.JobSpec{}.SwaggerDoc()["selector"], 1),
}

func jobCells(obj events.Object, now time.Time) ([]interface{}, error) {
	j, ok := obj.(*batchv1.Job)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a Job", errWrongType, obj)
	}
	sel := none
	if j.Spec.Selector != nil {
		s, err := selectorString(j.Spec.Selector)
		if err != nil {
			return nil, err
		}
		sel = s
	}
	names, images := containerNamesAndImages(&j.Spec.Template.Spec)
	return []interface{}{j.Name, jobStatus(j), jobCompletions(j), jobDuration(j, now), age(j, now), names, images, sel}, nil
}

// jobStatus is kubectl's STATUS of a Job: its terminal condition, else
// what it is doing.
func jobStatus(j *batchv1.Job) string {
	has := func(t batchv1.JobConditionType) bool {
		for _, c := range j.Status.Conditions {
			if c.Type == t && c.Status == corev1.ConditionTrue {
				return true
			}
		}
		return false
	}
	switch {
	case has(batchv1.JobComplete):
		return "Complete"
	case has(batchv1.JobFailed):
		return "Failed"
	case j.DeletionTimestamp != nil:
		return "Terminating"
	case has(batchv1.JobSuspended):
		return "Suspended"
	case has(batchv1.JobFailureTarget):
		return "FailureTarget"
	case has(batchv1.JobSuccessCriteriaMet):
		return "SuccessCriteriaMet"
	}
	return "Running"
}

// jobCompletions is "succeeded/completions", or for a work queue
// "succeeded/1" (and "of <parallelism>" when it runs several).
func jobCompletions(j *batchv1.Job) string {
	if c := j.Spec.Completions; c != nil {
		return fmt.Sprintf("%d/%d", j.Status.Succeeded, *c)
	}
	if p := j.Spec.Parallelism; p != nil && *p > 1 {
		return fmt.Sprintf("%d/1 of %d", j.Status.Succeeded, *p)
	}
	return fmt.Sprintf("%d/1", j.Status.Succeeded)
}

// jobDuration runs from the start to completion, or to now while running.
func jobDuration(j *batchv1.Job, now time.Time) string {
	switch {
	case j.Status.StartTime == nil:
		return ""
	case j.Status.CompletionTime == nil:
		return duration.HumanDuration(now.Sub(j.Status.StartTime.Time))
	}
	return duration.HumanDuration(j.Status.CompletionTime.Sub(j.Status.StartTime.Time))
}

var cronJobColumns = []metav1.TableColumnDefinition{
	nameColumn,
	column("Schedule", "string", batchv1.CronJobSpec{}.SwaggerDoc()["schedule"], 0),
	column("Timezone", "string", batchv1.CronJobSpec{}.SwaggerDoc()["timeZone"], 0),
	column("Suspend", "boolean", batchv1.CronJobSpec{}.SwaggerDoc()["suspend"], 0),
	column("Active", "integer", batchv1.CronJobStatus{}.SwaggerDoc()["active"], 0),
	column("Last Schedule", "date", batchv1.CronJobStatus{}.SwaggerDoc()["lastScheduleTime"], 0),
	ageColumn,
	containersColumn,
	imagesColumn,
	column("Selector", "string", batchv1.JobSpec{}.SwaggerDoc()["selector"], 1),
}

func cronJobCells(obj events.Object, now time.Time) ([]interface{}, error) {
	cj, ok := obj.(*batchv1.CronJob)
	if !ok {
		return nil, fmt.Errorf("%w: %T is not a CronJob", errWrongType, obj)
	}
	last := none
	if t := cj.Status.LastScheduleTime; t != nil {
		last = since(*t, now)
	}
	tz := none
	if cj.Spec.TimeZone != nil {
		tz = *cj.Spec.TimeZone
	}
	suspend := "<unset>"
	if cj.Spec.Suspend != nil {
		suspend = map[bool]string{true: "True", false: "False"}[*cj.Spec.Suspend]
	}
	names, images := containerNamesAndImages(&cj.Spec.JobTemplate.Spec.Template.Spec)
	return []interface{}{cj.Name, cj.Spec.Schedule, tz, suspend, int64(len(cj.Status.Active)), last, age(cj, now),
		names, images, metav1.FormatLabelSelector(cj.Spec.JobTemplate.Spec.Selector)}, nil
}
