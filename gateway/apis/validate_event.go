package apis

import (
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// validateEvent follows kube-apiserver's rule for Events clients write:
// one about a namespaced object lives in that object's namespace.
func validateEvent(e *corev1.Event) field.ErrorList {
	ns := e.InvolvedObject.Namespace
	if ns != "" && ns != e.Namespace {
		return field.ErrorList{field.Invalid(field.NewPath("involvedObject", "namespace"), ns, "does not match event.namespace")}
	}
	return nil
}

// validateEventsV1 follows kube-apiserver's rules for an events.k8s.io
// Event: who reported it, when, about what action, of which type.
func validateEventsV1(e *eventsv1.Event) field.ErrorList {
	var errs field.ErrorList
	required := map[string]string{"reportingController": e.ReportingController, "reportingInstance": e.ReportingInstance,
		"action": e.Action, "reason": e.Reason}
	for _, f := range []string{"reportingController", "reportingInstance", "action", "reason"} {
		if required[f] == "" {
			errs = append(errs, field.Required(field.NewPath(f), ""))
		}
	}
	if e.EventTime.IsZero() {
		errs = append(errs, field.Required(field.NewPath("eventTime"), ""))
	}
	if e.Type != corev1.EventTypeNormal && e.Type != corev1.EventTypeWarning {
		errs = append(errs, field.Invalid(field.NewPath("type"), e.Type, "has invalid value: must be Normal or Warning"))
	}
	if ns := e.Regarding.Namespace; ns != "" && ns != e.Namespace {
		errs = append(errs, field.Invalid(field.NewPath("regarding", "namespace"), ns, "does not match event.namespace"))
	}
	return errs
}

// CoreEvent is an events.k8s.io Event as core/v1 shows it (Kubernetes
// keeps one object under both APIs; Jetplane lists the one in the other).
func CoreEvent(e *eventsv1.Event) *corev1.Event {
	out := &corev1.Event{
		TypeMeta:   metav1.TypeMeta{APIVersion: "v1", Kind: "Event"},
		ObjectMeta: *e.ObjectMeta.DeepCopy(), InvolvedObject: e.Regarding, Reason: e.Reason, Message: e.Note,
		Source: e.DeprecatedSource, FirstTimestamp: e.DeprecatedFirstTimestamp, LastTimestamp: e.DeprecatedLastTimestamp,
		Count: e.DeprecatedCount, Type: e.Type, EventTime: e.EventTime, Action: e.Action,
		ReportingController: e.ReportingController, ReportingInstance: e.ReportingInstance,
	}
	if e.Related != nil {
		r := *e.Related
		out.Related = &r
	}
	if e.Series != nil {
		out.Series = &corev1.EventSeries{Count: e.Series.Count, LastObservedTime: e.Series.LastObservedTime}
	}
	return out
}
