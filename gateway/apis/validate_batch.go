package apis

import (
	"fmt"
	"strings"
	"time"
	_ "time/tzdata" // spec.timeZone is checked against the embedded zone database

	"github.com/robfig/cron/v3"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	apiequality "k8s.io/apimachinery/pkg/api/equality"
	apimachineryvalidation "k8s.io/apimachinery/pkg/api/validation"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

var (
	jobRestartPolicies  = []string{string(corev1.RestartPolicyOnFailure), string(corev1.RestartPolicyNever)}
	completionModes     = []batchv1.CompletionMode{batchv1.NonIndexedCompletion, batchv1.IndexedCompletion}
	concurrencyPolicies = []batchv1.ConcurrencyPolicy{batchv1.AllowConcurrent, batchv1.ForbidConcurrent, batchv1.ReplaceConcurrent}
)

// maxCronJobNameLength leaves room for the "-<minutes>" suffix of its Jobs'
// names, as Kubernetes does.
const maxCronJobNameLength = 52

// validateJob checks a Job and, unless spec.manualSelector, that its
// selector is the generated one.
func validateJob(j *batchv1.Job) field.ErrorList {
	spec := field.NewPath("spec")
	errs := validateJobSpec(&j.Spec, spec)
	if j.Spec.ManualSelector != nil && *j.Spec.ManualSelector {
		return errs
	}
	if j.UID == "" {
		return append(errs, field.Required(field.NewPath("metadata", "uid"), ""))
	}
	generated := &metav1.LabelSelector{MatchLabels: map[string]string{batchv1.ControllerUidLabel: string(j.UID)}}
	if j.Spec.Selector != nil && !apiequality.Semantic.DeepEqual(j.Spec.Selector, generated) {
		errs = append(errs, field.Invalid(spec.Child("selector"), j.Spec.Selector, "`selector` not auto-generated"))
	}
	return errs
}

// validateJobSpec checks the fields of a Job or of a CronJob's job template
// (where the selector may be left out).
func validateJobSpec(s *batchv1.JobSpec, path *field.Path) field.ErrorList {
	var errs field.ErrorList
	errs = append(errs, optionalNonNegative(path, []optionalCount{{"parallelism", s.Parallelism}, {"completions", s.Completions},
		{"backoffLimit", s.BackoffLimit}, {"ttlSecondsAfterFinished", s.TTLSecondsAfterFinished}})...)
	if s.ActiveDeadlineSeconds != nil {
		errs = append(errs, nonNegative(*s.ActiveDeadlineSeconds, path.Child("activeDeadlineSeconds"))...)
	}
	if s.CompletionMode != nil {
		errs = append(errs, oneOf(*s.CompletionMode, completionModes, path.Child("completionMode"))...)
		if *s.CompletionMode == batchv1.IndexedCompletion && s.Completions == nil {
			errs = append(errs, field.Required(path.Child("completions"),
				fmt.Sprintf("when completion mode is %s", batchv1.IndexedCompletion)))
		}
	}
	if s.Selector == nil {
		errs = append(errs, field.Required(path.Child("selector"), ""))
	} else {
		errs = append(errs, metav1validation.ValidateLabelSelector(s.Selector, metav1validation.LabelSelectorValidationOptions{}, path.Child("selector"))...)
		if sel, err := metav1.LabelSelectorAsSelector(s.Selector); err == nil && !sel.Matches(labels.Set(s.Template.Labels)) {
			errs = append(errs, field.Invalid(path.Child("template", "metadata", "labels"), s.Template.Labels,
				"`selector` does not match template `labels`"))
		}
	}
	return append(errs, validateJobTemplate(&s.Template, path.Child("template"))...)
}

// validateJobTemplate: the pods of a Job end, so they restart OnFailure or
// Never; Always is invalid.
func validateJobTemplate(t *corev1.PodTemplateSpec, tp *field.Path) field.ErrorList {
	errs := validateTemplateMeta(&t.ObjectMeta, tp.Child("metadata"))
	errs = append(errs, validatePodSpec(&t.Spec, tp.Child("spec"))...)
	if rp := t.Spec.RestartPolicy; rp != corev1.RestartPolicyOnFailure && rp != corev1.RestartPolicyNever {
		errs = append(errs, field.NotSupported(tp.Child("spec", "restartPolicy"), rp, jobRestartPolicies))
	}
	return errs
}

// validateJobUpdate: the selector, the pod template and completions are
// fixed once the Job exists.
func validateJobUpdate(j, old *batchv1.Job) field.ErrorList {
	spec := field.NewPath("spec")
	errs := apimachineryvalidation.ValidateImmutableField(j.Spec.Selector, old.Spec.Selector, spec.Child("selector"))
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(j.Spec.Template, old.Spec.Template, spec.Child("template"))...)
	errs = append(errs, apimachineryvalidation.ValidateImmutableField(j.Spec.Completions, old.Spec.Completions, spec.Child("completions"))...)
	return errs
}

func validateCronJob(cj *batchv1.CronJob) field.ErrorList {
	var errs field.ErrorList
	if len(cj.Name) > maxCronJobNameLength {
		errs = append(errs, field.Invalid(field.NewPath("metadata", "name"), cj.Name,
			fmt.Sprintf("must be no more than %d characters", maxCronJobNameLength)))
	}
	spec := field.NewPath("spec")
	errs = append(errs, validateSchedule(cj.Spec.Schedule, cj.Spec.TimeZone, spec.Child("schedule"))...)
	errs = append(errs, validateTimeZone(cj.Spec.TimeZone, spec.Child("timeZone"))...)
	errs = append(errs, oneOf(cj.Spec.ConcurrencyPolicy, concurrencyPolicies, spec.Child("concurrencyPolicy"))...)
	if d := cj.Spec.StartingDeadlineSeconds; d != nil {
		errs = append(errs, nonNegative(*d, spec.Child("startingDeadlineSeconds"))...)
	}
	errs = append(errs, optionalNonNegative(spec, []optionalCount{{"successfulJobsHistoryLimit", cj.Spec.SuccessfulJobsHistoryLimit},
		{"failedJobsHistoryLimit", cj.Spec.FailedJobsHistoryLimit}})...)
	jt := spec.Child("jobTemplate")
	errs = append(errs, validateTemplateMeta(&cj.Spec.JobTemplate.ObjectMeta, jt.Child("metadata"))...)
	js := &cj.Spec.JobTemplate.Spec
	for _, e := range validateJobSpec(js, jt.Child("spec")) {
		// The selector of a template is generated for each Job.
		if js.Selector == nil && e.Type == field.ErrorTypeRequired && e.Field == jt.Child("spec", "selector").String() {
			continue
		}
		errs = append(errs, e)
	}
	return errs
}

// validateSchedule parses a standard cron schedule; time zones belong in
// spec.timeZone, not in the schedule.
func validateSchedule(schedule string, tz *string, path *field.Path) field.ErrorList {
	if schedule == "" {
		return field.ErrorList{field.Required(path, "")}
	}
	if strings.Contains(schedule, "TZ") {
		if tz != nil {
			return field.ErrorList{field.Invalid(path, schedule, "cannot use both timeZone field and TZ or CRON_TZ in schedule")}
		}
		return field.ErrorList{field.Invalid(path, schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead")}
	}
	if _, err := cron.ParseStandard(schedule); err != nil {
		return field.ErrorList{field.Invalid(path, schedule, err.Error())}
	}
	return nil
}

func validateTimeZone(tz *string, path *field.Path) field.ErrorList {
	switch {
	case tz == nil:
		return nil
	case *tz == "":
		return field.ErrorList{field.Invalid(path, *tz, "timeZone must be nil or non-empty string")}
	case strings.EqualFold(*tz, "Local"):
		return field.ErrorList{field.Invalid(path, *tz, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones")}
	}
	if _, err := time.LoadLocation(*tz); err != nil {
		return field.ErrorList{field.Invalid(path, *tz, err.Error())}
	}
	return nil
}

// optionalCount is an optional int32 field and its name.
type optionalCount struct {
	name  string
	value *int32
}

// optionalNonNegative checks that each set field of path is not negative.
func optionalNonNegative(path *field.Path, fields []optionalCount) field.ErrorList {
	var errs field.ErrorList
	for _, f := range fields {
		if f.value != nil {
			errs = append(errs, nonNegative(*f.value, path.Child(f.name))...)
		}
	}
	return errs
}
