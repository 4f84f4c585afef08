package replicacontroller

import (
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Events expire a TTL after they were last seen: an old one (of either
// API) is deleted, a recent one stays until its time comes.
func TestEventsExpireAfterTheirTTL(t *testing.T) {
	now := time.Now()
	h := startWith(t, Config{EventTTL: time.Hour, Now: func() time.Time { return now }})
	old := metav1.NewTime(now.Add(-2 * time.Hour))
	// Written as they were two hours ago (creation included), and now.
	for _, w := range []events.Write{
		{Resource: events.MustLookup("events"), Change: events.Created, Object: &corev1.Event{
			ObjectMeta: metav1.ObjectMeta{Name: "old", Namespace: "default", CreationTimestamp: old}, Reason: "Old", LastTimestamp: old}},
		{Resource: events.MustLookup("events.events.k8s.io"), Change: events.Created, Object: &eventsv1.Event{
			ObjectMeta: metav1.ObjectMeta{Name: "old-v1", Namespace: "default", CreationTimestamp: old}, Reason: "Old",
			EventTime: metav1.NewMicroTime(old.Time)}},
	} {
		if err := h.write(w); err != nil {
			t.Fatal(err)
		}
	}
	h.create("events", &corev1.Event{ObjectMeta: metav1.ObjectMeta{Name: "recent", Namespace: "default"},
		Reason: "Recent", LastTimestamp: metav1.NewTime(now)})
	eventstest.Eventually(t, 10*time.Second, func() error {
		st := h.view.State()
		if st.Live("events", "default", "old") != nil || st.Live("events.events.k8s.io", "default", "old-v1") != nil {
			return fmt.Errorf("expired events still live")
		}
		return nil
	})
	if h.view.State().Live("events", "default", "recent") == nil {
		t.Fatal("a recent event was deleted")
	}
}
