package eventttl

import (
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDecide(t *testing.T) {
	t0 := time.Date(2026, 12, 8, 10, 0, 0, 0, time.UTC)
	at := func(d time.Duration) metav1.Time { return metav1.NewTime(t0.Add(d)) }
	created := metav1.ObjectMeta{CreationTimestamp: at(0)}
	cases := []struct {
		name    string
		obj     metav1.Object
		now     time.Duration
		expired bool
		after   time.Duration
	}{
		{"fresh", &corev1.Event{ObjectMeta: created}, 10 * time.Minute, false, 50 * time.Minute},
		{"an hour old", &corev1.Event{ObjectMeta: created}, time.Hour, true, 0},
		{"seen again later", &corev1.Event{ObjectMeta: created, LastTimestamp: at(50 * time.Minute)}, time.Hour, false, 50 * time.Minute},
		{"a series goes on", &corev1.Event{ObjectMeta: created, Series: &corev1.EventSeries{LastObservedTime: metav1.NewMicroTime(t0.Add(2 * time.Hour))}},
			2*time.Hour + 30*time.Minute, false, 30 * time.Minute},
		{"events.k8s.io event time", &eventsv1.Event{ObjectMeta: created, EventTime: metav1.NewMicroTime(t0.Add(30 * time.Minute))},
			time.Hour, false, 30 * time.Minute},
		{"events.k8s.io expired", &eventsv1.Event{ObjectMeta: created, EventTime: metav1.NewMicroTime(t0)}, 3 * time.Hour, true, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			expired, after := Decide(c.obj, t0.Add(c.now), Default)
			if expired != c.expired || after != c.after {
				t.Fatalf("got %v %v, want %v %v", expired, after, c.expired, c.after)
			}
		})
	}
}
