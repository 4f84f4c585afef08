package eventttl

import (
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Default is kube-apiserver's --event-ttl.
const Default = time.Hour

// LastSeen is when an Event (core/v1 or events.k8s.io/v1) last happened.
func LastSeen(obj metav1.Object) time.Time {
	latest := obj.GetCreationTimestamp().Time
	later := func(t time.Time) {
		if t.After(latest) {
			latest = t
		}
	}
	switch e := obj.(type) {
	case *corev1.Event:
		later(e.LastTimestamp.Time)
		later(e.EventTime.Time)
		if e.Series != nil {
			later(e.Series.LastObservedTime.Time)
		}
	case *eventsv1.Event:
		later(e.DeprecatedLastTimestamp.Time)
		later(e.EventTime.Time)
		if e.Series != nil {
			later(e.Series.LastObservedTime.Time)
		}
	}
	return latest
}

// Decide says whether obj expired at now under ttl, and if not, how long
// until it does.
func Decide(obj metav1.Object, now time.Time, ttl time.Duration) (expired bool, after time.Duration) {
	left := LastSeen(obj).Add(ttl).Sub(now)
	if left <= 0 {
		return true, 0
	}
	return false, left
}
