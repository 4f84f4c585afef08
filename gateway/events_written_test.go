package gateway

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/kubernetes/scheme"
	typedcorev1 "k8s.io/client-go/kubernetes/typed/core/v1"
	"k8s.io/client-go/rest"
	eventsv1rec "k8s.io/client-go/tools/events"
	"k8s.io/client-go/tools/record"
)

// A controller's client-go event recorder writes Events: the first
// creates one, the same again is aggregated into it (count 2, by a
// patch); they are listed and watched beside the Events derived from the
// log, and an Event about an object of another namespace is refused.
func TestClientGoRecorderWritesEvents(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	var p corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("rec-1", nil, "")).into(t, &p)
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: g.http.URL, BearerToken: adminToken})
	if err != nil {
		t.Fatal(err)
	}
	watch, err := cs.CoreV1().Events("default").Watch(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer watch.Stop()
	b := record.NewBroadcaster()
	defer b.Shutdown()
	b.StartRecordingToSink(&typedcorev1.EventSinkImpl{Interface: cs.CoreV1().Events("")})
	rec := b.NewRecorder(scheme.Scheme, corev1.EventSource{Component: "demo-controller"})
	p.Kind, p.APIVersion = "Pod", "v1"
	rec.Event(&p, corev1.EventTypeNormal, "Synced", "rec-1 synced")
	rec.Event(&p, corev1.EventTypeNormal, "Synced", "rec-1 synced")
	eventstest.Eventually(t, 20*time.Second, func() error {
		var list corev1.EventList
		g.must(http.StatusOK, "GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Drec-1", nil).into(t, &list)
		for _, e := range list.Items {
			if e.Reason == "Synced" && e.Source.Component == "demo-controller" && e.Count == 2 {
				return nil
			}
		}
		return fmt.Errorf("no Synced event with count 2 among %d", len(list.Items))
	})
	select {
	case ev := <-watch.ResultChan():
		if e, ok := ev.Object.(*corev1.Event); !ok || e.Reason != "Synced" {
			t.Fatalf("watch: %v %+v", ev.Type, ev.Object)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the watch delivered no written Event")
	}
	g.must(http.StatusUnprocessableEntity, "POST", "/api/v1/namespaces/default/events", &corev1.Event{
		ObjectMeta:     metav1.ObjectMeta{Name: "elsewhere"},
		InvolvedObject: corev1.ObjectReference{Kind: "Pod", Namespace: "other", Name: "x"}})
}

// client-go's events.k8s.io recorder (tools/events, what kube-scheduler
// uses) writes its Events there; core/v1 lists them too, as Kubernetes,
// which keeps one object under both APIs, does.
func TestEventsV1RecorderWritesEvents(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	var p corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("rec-v1", nil, "")).into(t, &p)
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: g.http.URL, BearerToken: adminToken})
	if err != nil {
		t.Fatal(err)
	}
	b := eventsv1rec.NewBroadcaster(&eventsv1rec.EventSinkImpl{Interface: cs.EventsV1()})
	b.StartRecordingToSink(t.Context().Done())
	defer b.Shutdown()
	p.Kind, p.APIVersion = "Pod", "v1"
	b.NewRecorder(scheme.Scheme, "demo-scheduler").Eventf(&p, nil, corev1.EventTypeNormal, "Scheduled", "Binding", "placed %s", p.Name)
	eventstest.Eventually(t, 20*time.Second, func() error {
		l, err := cs.EventsV1().Events("default").List(t.Context(), metav1.ListOptions{})
		if err != nil || len(l.Items) != 1 || l.Items[0].Note != "placed rec-v1" || l.Items[0].ReportingController != "demo-scheduler" {
			return fmt.Errorf("events.k8s.io events: %v %+v", err, l)
		}
		return nil
	})
	var core corev1.EventList
	g.must(http.StatusOK, "GET", "/api/v1/namespaces/default/events?fieldSelector=involvedObject.name%3Drec-v1", nil).into(t, &core)
	found := false
	for _, e := range core.Items {
		found = found || (e.Message == "placed rec-v1" && e.ReportingController == "demo-scheduler")
	}
	if !found {
		t.Fatalf("core/v1 does not list it: %+v", core.Items)
	}
	v1, err := cs.EventsV1().Events("default").List(t.Context(), metav1.ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var one corev1.Event
	g.must(http.StatusOK, "GET", "/api/v1/namespaces/default/events/"+v1.Items[0].Name, nil).into(t, &one)
	if one.Message != "placed rec-v1" {
		t.Fatalf("core/v1 get of it: %+v", one)
	}
	g.must(http.StatusUnprocessableEntity, "POST", "/apis/events.k8s.io/v1/namespaces/default/events",
		map[string]any{"metadata": map[string]any{"name": "bare"}, "type": "Normal"})
}
