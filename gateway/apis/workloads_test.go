package apis

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func goodReplicationController() *corev1.ReplicationController {
	t := helloTemplate()
	return &corev1.ReplicationController{ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "default", UID: "uid-rc",
		CreationTimestamp: created}, Spec: corev1.ReplicationControllerSpec{Template: &t}}
}

func goodDaemonSet() *appsv1.DaemonSet {
	return &appsv1.DaemonSet{ObjectMeta: meta("hello", "default"), Spec: appsv1.DaemonSetSpec{
		Selector: &metav1.LabelSelector{MatchLabels: map[string]string{"app": "hello"}}, Template: helloTemplate()}}
}

func jobTemplate() corev1.PodTemplateSpec {
	return corev1.PodTemplateSpec{Spec: corev1.PodSpec{RestartPolicy: corev1.RestartPolicyNever,
		Containers: []corev1.Container{{Name: "pi", Image: "jetplane/hello:1", Command: []string{"/bin/sh", "-c", "exit 0"}}}}}
}

func goodJob() *batchv1.Job {
	return &batchv1.Job{ObjectMeta: metav1.ObjectMeta{Name: "pi", Namespace: "default", UID: "uid-pi", CreationTimestamp: created},
		Spec: batchv1.JobSpec{Template: jobTemplate()}}
}

func goodCronJob() *batchv1.CronJob {
	return &batchv1.CronJob{ObjectMeta: metav1.ObjectMeta{Name: "nightly", Namespace: "default", UID: "uid-cj", CreationTimestamp: created},
		Spec: batchv1.CronJobSpec{Schedule: "*/5 * * * *", JobTemplate: batchv1.JobTemplateSpec{Spec: batchv1.JobSpec{Template: jobTemplate()}}}}
}

func TestDefaultWorkloads(t *testing.T) {
	rc := defaulted("replicationcontrollers", goodReplicationController())
	if rc.Spec.Selector["app"] != "hello" || rc.Labels["app"] != "hello" || *rc.Spec.Replicas != 1 ||
		rc.Spec.Template.Spec.RestartPolicy != corev1.RestartPolicyAlways {
		t.Errorf("replication controller %+v labels %v", rc.Spec, rc.Labels)
	}
	ds := defaulted("daemonsets", goodDaemonSet())
	ru := ds.Spec.UpdateStrategy.RollingUpdate
	if ds.Spec.UpdateStrategy.Type != appsv1.RollingUpdateDaemonSetStrategyType || ru == nil || ru.MaxUnavailable.IntValue() != 1 ||
		ru.MaxSurge.IntValue() != 0 || *ds.Spec.RevisionHistoryLimit != 10 {
		t.Errorf("daemonset strategy %+v", ds.Spec.UpdateStrategy)
	}
	j := defaulted("jobs", goodJob())
	s := j.Spec
	if *s.Completions != 1 || *s.Parallelism != 1 || *s.BackoffLimit != 6 || *s.CompletionMode != batchv1.NonIndexedCompletion ||
		*s.Suspend || *s.PodReplacementPolicy != batchv1.TerminatingOrFailed {
		t.Errorf("job defaults %+v", s)
	}
	wantLabels := map[string]string{"job-name": "pi", batchv1.JobNameLabel: "pi", "controller-uid": "uid-pi", batchv1.ControllerUidLabel: "uid-pi"}
	if !apiequality.Semantic.DeepEqual(s.Template.Labels, wantLabels) || !apiequality.Semantic.DeepEqual(j.Labels, wantLabels) ||
		!apiequality.Semantic.DeepEqual(s.Selector, &metav1.LabelSelector{MatchLabels: map[string]string{batchv1.ControllerUidLabel: "uid-pi"}}) {
		t.Errorf("job selector %v template labels %v labels %v", s.Selector, s.Template.Labels, j.Labels)
	}
	queue := goodJob()
	queue.Spec.Parallelism = ptrTo(int32(3))
	queue.UID = ""
	if Default(res("jobs"), queue); queue.Spec.Completions != nil || queue.Spec.Selector != nil {
		t.Errorf("work queue job: completions %v selector %v", queue.Spec.Completions, queue.Spec.Selector)
	}
	manual := goodJob()
	manual.Spec.ManualSelector = ptrTo(true)
	if Default(res("jobs"), manual); manual.Spec.Selector != nil {
		t.Errorf("manual selector generated")
	}
	cj := defaulted("cronjobs", goodCronJob())
	if cj.Spec.ConcurrencyPolicy != batchv1.AllowConcurrent || *cj.Spec.Suspend || *cj.Spec.SuccessfulJobsHistoryLimit != 3 ||
		*cj.Spec.FailedJobsHistoryLimit != 1 || cj.Spec.JobTemplate.Spec.BackoffLimit != nil ||
		cj.Spec.JobTemplate.Spec.Template.Spec.DNSPolicy != corev1.DNSClusterFirst {
		t.Errorf("cronjob defaults %+v", cj.Spec)
	}
	for _, tt := range []struct {
		resource string
		obj      events.Object
	}{{"replicationcontrollers", goodReplicationController()}, {"daemonsets", goodDaemonSet()}, {"jobs", goodJob()}, {"cronjobs", goodCronJob()}} {
		Default(res(tt.resource), tt.obj)
		once := tt.obj.DeepCopyObject()
		if Default(res(tt.resource), tt.obj); !apiequality.Semantic.DeepEqual(once, tt.obj) {
			t.Errorf("%s: second Default changed the object", tt.resource)
		}
	}
}

func TestValidateWorkloads(t *testing.T) {
	rc := func(m func(*corev1.ReplicationController)) events.Object {
		o := defaulted("replicationcontrollers", goodReplicationController())
		m(o)
		return o
	}
	ds := func(m func(*appsv1.DaemonSet)) events.Object {
		o := defaulted("daemonsets", goodDaemonSet())
		m(o)
		return o
	}
	job := func(m func(*batchv1.Job)) events.Object {
		o := defaulted("jobs", goodJob())
		m(o)
		return o
	}
	cj := func(m func(*batchv1.CronJob)) events.Object {
		o := defaulted("cronjobs", goodCronJob())
		m(o)
		return o
	}
	tests := []struct {
		name     string
		resource string
		old, obj events.Object
		want     []want
	}{
		{"good rc", "replicationcontrollers", nil, rc(noChange), nil},
		{"rc without template", "replicationcontrollers", nil, rc(func(o *corev1.ReplicationController) { o.Spec.Template = nil }),
			[]want{{required, "spec.template"}}},
		{"rc selector must match", "replicationcontrollers", nil, rc(func(o *corev1.ReplicationController) { o.Spec.Selector = map[string]string{"app": "x"} }),
			[]want{{invalid, "spec.template.metadata.labels"}}},
		{"rc empty selector", "replicationcontrollers", nil, rc(func(o *corev1.ReplicationController) {
			o.Spec.Selector, o.Spec.Template.Labels = nil, nil
		}), []want{{required, "spec.selector"}}},
		{"rc restartPolicy", "replicationcontrollers", nil, rc(func(o *corev1.ReplicationController) {
			o.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyNever
		}), []want{{notSupported, "spec.template.spec.restartPolicy"}}},
		{"rc negative replicas", "replicationcontrollers", nil, rc(func(o *corev1.ReplicationController) { o.Spec.Replicas = ptrTo(int32(-1)) }),
			[]want{{invalid, "spec.replicas"}}},

		{"good ds", "daemonsets", nil, ds(noChange), nil},
		{"good ds with surge", "daemonsets", nil, ds(func(o *appsv1.DaemonSet) {
			o.Spec.UpdateStrategy.RollingUpdate = &appsv1.RollingUpdateDaemonSet{MaxUnavailable: ptrTo(intstr.FromInt32(0)), MaxSurge: ptrTo(intstr.FromString("10%"))}
		}), nil},
		{"ds OnDelete", "daemonsets", nil, ds(func(o *appsv1.DaemonSet) {
			o.Spec.UpdateStrategy = appsv1.DaemonSetUpdateStrategy{Type: appsv1.OnDeleteDaemonSetStrategyType}
		}), nil},
		{"ds unknown strategy", "daemonsets", nil, ds(func(o *appsv1.DaemonSet) { o.Spec.UpdateStrategy.Type = "Sometimes" }),
			[]want{{notSupported, "spec.updateStrategy.type"}}},
		{"ds surge and unavailable", "daemonsets", nil, ds(func(o *appsv1.DaemonSet) {
			o.Spec.UpdateStrategy.RollingUpdate.MaxSurge = ptrTo(intstr.FromInt32(1))
		}), []want{{invalid, "spec.updateStrategy.rollingUpdate.maxSurge"}}},
		{"ds neither", "daemonsets", nil, ds(func(o *appsv1.DaemonSet) {
			o.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptrTo(intstr.FromInt32(0))
		}), []want{{required, "spec.updateStrategy.rollingUpdate.maxUnavailable"}}},
		{"ds over 100%", "daemonsets", nil, ds(func(o *appsv1.DaemonSet) {
			o.Spec.UpdateStrategy.RollingUpdate.MaxUnavailable = ptrTo(intstr.FromString("150%"))
		}), []want{{invalid, "spec.updateStrategy.rollingUpdate.maxUnavailable"}}},
		{"ds selector with expressions", "daemonsets", nil, ds(func(o *appsv1.DaemonSet) {
			o.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{
				{Key: "app", Operator: metav1.LabelSelectorOpExists}, {Key: "tier", Operator: metav1.LabelSelectorOpDoesNotExist}}}
		}), nil},
		{"ds bad expression", "daemonsets", nil, ds(func(o *appsv1.DaemonSet) {
			o.Spec.Selector = &metav1.LabelSelector{MatchExpressions: []metav1.LabelSelectorRequirement{{Key: "app", Operator: metav1.LabelSelectorOpIn}}}
		}), []want{{required, "spec.selector.matchExpressions[0].values"}}},
		{"ds selector immutable", "daemonsets", ds(noChange), ds(func(o *appsv1.DaemonSet) {
			o.Spec.Selector.MatchLabels["tier"] = "web"
			o.Spec.Template.Labels["tier"] = "web"
		}), []want{{invalid, "spec.selector"}}},

		{"good job", "jobs", nil, job(noChange), nil},
		{"job restartPolicy Always", "jobs", nil, job(func(o *batchv1.Job) { o.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways }),
			[]want{{notSupported, "spec.template.spec.restartPolicy"}}},
		{"job negative counts", "jobs", nil, job(func(o *batchv1.Job) {
			o.Spec.BackoffLimit, o.Spec.Parallelism = ptrTo(int32(-1)), ptrTo(int32(-2))
		}), []want{{invalid, "spec.backoffLimit"}, {invalid, "spec.parallelism"}}},
		{"job selector not generated", "jobs", nil, job(func(o *batchv1.Job) { o.Spec.Selector.MatchLabels["extra"] = "x" }),
			[]want{{invalid, "spec.selector"}, {invalid, "spec.template.metadata.labels"}}},
		{"job manual selector", "jobs", nil, job(func(o *batchv1.Job) {
			o.Spec.ManualSelector = ptrTo(true)
			o.Spec.Selector = &metav1.LabelSelector{MatchLabels: map[string]string{"job-name": "pi"}}
		}), nil},
		{"indexed without completions", "jobs", nil, job(func(o *batchv1.Job) {
			o.Spec.CompletionMode, o.Spec.Completions = ptrTo(batchv1.IndexedCompletion), nil
		}), []want{{required, "spec.completions"}}},
		{"job parallelism may change", "jobs", job(noChange), job(func(o *batchv1.Job) { o.Spec.Parallelism = ptrTo(int32(4)) }), nil},
		{"job template immutable", "jobs", job(noChange), job(func(o *batchv1.Job) { o.Spec.Template.Spec.Containers[0].Image = "x:2" }),
			[]want{{invalid, "spec.template"}}},
		{"job completions immutable", "jobs", job(noChange), job(func(o *batchv1.Job) { o.Spec.Completions = ptrTo(int32(3)) }),
			[]want{{invalid, "spec.completions"}}},

		{"good cronjob", "cronjobs", nil, cj(noChange), nil},
		{"cronjob descriptor and zone", "cronjobs", nil, cj(func(o *batchv1.CronJob) {
			o.Spec.Schedule, o.Spec.TimeZone = "@hourly", ptrTo("Europe/Paris")
		}), nil},
		{"cronjob bad schedule", "cronjobs", nil, cj(func(o *batchv1.CronJob) { o.Spec.Schedule = "61 * * * *" }),
			[]want{{invalid, "spec.schedule"}}},
		{"cronjob TZ in schedule", "cronjobs", nil, cj(func(o *batchv1.CronJob) { o.Spec.Schedule = "TZ=UTC 0 * * * *" }),
			[]want{{invalid, "spec.schedule"}}},
		{"cronjob unknown zone", "cronjobs", nil, cj(func(o *batchv1.CronJob) { o.Spec.TimeZone = ptrTo("Mars/Olympus") }),
			[]want{{invalid, "spec.timeZone"}}},
		{"cronjob Local zone", "cronjobs", nil, cj(func(o *batchv1.CronJob) { o.Spec.TimeZone = ptrTo("Local") }),
			[]want{{invalid, "spec.timeZone"}}},
		{"cronjob policy", "cronjobs", nil, cj(func(o *batchv1.CronJob) { o.Spec.ConcurrencyPolicy = "Sometimes" }),
			[]want{{notSupported, "spec.concurrencyPolicy"}}},
		{"cronjob long name", "cronjobs", nil, cj(func(o *batchv1.CronJob) { o.Name = strings.Repeat("a", 53) }),
			[]want{{invalid, "metadata.name"}}},
		{"cronjob template restartPolicy", "cronjobs", nil, cj(func(o *batchv1.CronJob) {
			o.Spec.JobTemplate.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways
		}), []want{{notSupported, "spec.jobTemplate.spec.template.spec.restartPolicy"}}},
		{"cronjob negative limit", "cronjobs", nil, cj(func(o *batchv1.CronJob) { o.Spec.FailedJobsHistoryLimit = ptrTo(int32(-1)) }),
			[]want{{invalid, "spec.failedJobsHistoryLimit"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assertErrors(t, Validate(res(tt.resource), tt.obj, tt.old), tt.want)
		})
	}
	// kubectl shows Kubernetes' own message for a Job that would restart forever.
	errs := Validate(res("jobs"), job(func(o *batchv1.Job) { o.Spec.Template.Spec.RestartPolicy = corev1.RestartPolicyAlways }), nil)
	if msg := errs.ToAggregate().Error(); !strings.Contains(msg, `spec.template.spec.restartPolicy: Unsupported value: "Always": supported values: "OnFailure", "Never"`) {
		t.Errorf("message %q", msg)
	}
}

func TestWorkloadTables(t *testing.T) {
	ready := func(o *appsv1.DaemonSet) *appsv1.DaemonSet {
		o.Spec.Template.Spec.NodeSelector = map[string]string{"disk": "ssd"}
		o.Status = appsv1.DaemonSetStatus{DesiredNumberScheduled: 3, CurrentNumberScheduled: 3, NumberReady: 2, UpdatedNumberScheduled: 1, NumberAvailable: 2}
		return o
	}
	start := metav1.NewTime(created.Add(time.Minute))
	finish := metav1.NewTime(created.Add(time.Minute + 42*time.Second))
	complete := defaulted("jobs", goodJob())
	complete.Status = batchv1.JobStatus{Succeeded: 1, StartTime: &start, CompletionTime: &finish,
		Conditions: []batchv1.JobCondition{{Type: batchv1.JobComplete, Status: corev1.ConditionTrue}}}
	running := defaulted("jobs", goodJob())
	running.Spec.Completions, running.Spec.Parallelism = nil, ptrTo(int32(3))
	running.Status = batchv1.JobStatus{StartTime: &start}
	failed := defaulted("jobs", goodJob())
	failed.Status.Conditions = []batchv1.JobCondition{{Type: batchv1.JobFailed, Status: corev1.ConditionTrue}}
	last := metav1.NewTime(now.Add(-2 * time.Minute))
	cj := defaulted("cronjobs", goodCronJob())
	cj.Status = batchv1.CronJobStatus{LastScheduleTime: &last, Active: []corev1.ObjectReference{{Name: "nightly-1"}}}
	zoned := defaulted("cronjobs", goodCronJob())
	zoned.Spec.TimeZone, zoned.Spec.Suspend = ptrTo("Etc/UTC"), nil
	rc := defaulted("replicationcontrollers", goodReplicationController())
	rc.Status = corev1.ReplicationControllerStatus{Replicas: 1, ReadyReplicas: 1}
	tests := []struct {
		resource string
		obj      events.Object
		columns  string
		cells    string
	}{
		{"replicationcontrollers", rc, "Name Desired Current Ready Age Containers* Images* Selector*", "hello 1 1 1 5m hello jetplane/hello:1 app=hello"},
		{"daemonsets", ready(defaulted("daemonsets", goodDaemonSet())),
			"Name Desired Current Ready Up-to-date Available Node Selector Age Containers* Images* Selector*",
			"hello 3 3 2 1 2 disk=ssd 5m hello jetplane/hello:1 app=hello"},
		{"daemonsets", defaulted("daemonsets", goodDaemonSet()), "", "hello 0 0 0 0 0 <none> 5m hello jetplane/hello:1 app=hello"},
		{"jobs", complete, "Name Status Completions Duration Age Containers* Images* Selector*",
			"pi Complete 1/1 42s 5m pi jetplane/hello:1 batch.kubernetes.io/controller-uid=uid-pi"},
		{"jobs", running, "", "pi Running 0/1 of 3 4m 5m pi jetplane/hello:1 batch.kubernetes.io/controller-uid=uid-pi"},
		{"jobs", failed, "", "pi Failed 0/1  5m pi jetplane/hello:1 batch.kubernetes.io/controller-uid=uid-pi"},
		{"cronjobs", cj, "Name Schedule Timezone Suspend Active Last Schedule Age Containers* Images* Selector*",
			"nightly */5 * * * * <none> False 1 2m 5m pi jetplane/hello:1 <none>"},
		{"cronjobs", zoned, "", "nightly */5 * * * * Etc/UTC <unset> 0 <none> 5m pi jetplane/hello:1 <none>"},
	}
	for _, tt := range tests {
		t.Run(tt.resource, func(t *testing.T) {
			tbl, err := Table(res(tt.resource), []events.Object{tt.obj}, metav1.IncludeMetadata, now)
			if err != nil {
				t.Fatal(err)
			}
			var cols, cells []string
			for _, c := range tbl.ColumnDefinitions {
				n := c.Name
				if c.Priority == 1 {
					n += "*"
				}
				if c.Description == "" {
					t.Errorf("column %s has no description", c.Name)
				}
				cols = append(cols, n)
			}
			for _, c := range tbl.Rows[0].Cells {
				cells = append(cells, strings.TrimSpace(strings.ReplaceAll(toString(c), "\n", " ")))
			}
			if got := strings.Join(cols, " "); tt.columns != "" && got != tt.columns {
				t.Errorf("columns %q, want %q", got, tt.columns)
			}
			if got := strings.Join(cells, " "); got != tt.cells {
				t.Errorf("cells %q, want %q", got, tt.cells)
			}
			if _, err := Table(res(tt.resource), []events.Object{goodPod()}, metav1.IncludeNone, now); err == nil {
				t.Errorf("a pod printed as %s", tt.resource)
			}
		})
	}
}

func toString(v interface{}) string { return fmt.Sprint(v) }

func TestWorkloadWarnings(t *testing.T) {
	j := defaulted("jobs", goodJob())
	j.Spec.TTLSecondsAfterFinished = ptrTo(int32(60))
	j.Spec.Template.Spec.HostNetwork = true
	got := strings.Join(Warnings(res("jobs"), j), "\n")
	for _, w := range []string{"spec.ttlSecondsAfterFinished: stored but not acted on", "spec.template.spec.hostNetwork: stored"} {
		if !strings.Contains(got, w) {
			t.Errorf("warnings %q lack %q", got, w)
		}
	}
	cj := defaulted("cronjobs", goodCronJob())
	cj.Spec.JobTemplate.Spec.CompletionMode = ptrTo(batchv1.IndexedCompletion)
	if got := Warnings(res("cronjobs"), cj); len(got) != 1 || !strings.HasPrefix(got[0], "spec.jobTemplate.spec.completionMode") {
		t.Errorf("cronjob warnings %q", got)
	}
	if got := Warnings(res("jobs"), defaulted("jobs", goodJob())); len(got) != 0 {
		t.Errorf("plain job warned %q", got)
	}
}
