package endpointcontroller

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/endpointcontroller/endpoints"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var testOrigin = events.Origin{Source: "jetplane/test/t", Actor: "test"}

func start(t *testing.T, log *natslog.Log, instance string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Log: log, Instance: instance}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("endpointcontroller %s: %v", instance, err)
		}
	})
}

func watch(t *testing.T, log *natslog.Log) *projections.State {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p := projections.New(log, "test")
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return p.State()
}

func write(t *testing.T, log *natslog.Log, w events.Write) {
	t.Helper()
	if w.Change == events.Created {
		events.PrepareCreate(w.Object, time.Now())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := log.Write(ctx, testOrigin, w); err != nil {
		t.Fatal(err)
	}
}

func create(t *testing.T, log *natslog.Log, resource string, obj events.Object) {
	t.Helper()
	write(t, log, events.Write{Resource: events.MustLookup(resource), Change: events.Created, Object: obj})
}

func webService() *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}}
	s.Spec.Selector = map[string]string{"app": "web"}
	s.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromString("http"), Protocol: corev1.ProtocolTCP}}
	return s
}

func runningPod(name, app, ip string, ready bool) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", Labels: map[string]string{"app": app}}}
	p.Spec.NodeName = "node-a"
	p.Spec.Containers = []corev1.Container{{Name: "app", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = ip
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: readiness(ready)}}
	return p
}

func readiness(ready bool) corev1.ConditionStatus {
	if ready {
		return corev1.ConditionTrue
	}
	return corev1.ConditionFalse
}

// addresses reads the Endpoints' ready and not-ready pod names.
func addresses(st *projections.State, name string) (ready, notReady []string, err error) {
	e := st.Live("endpoints", "default", name)
	if e == nil {
		return nil, nil, fmt.Errorf("no endpoints %s", name)
	}
	ep := e.Object.(*corev1.Endpoints)
	for _, ss := range ep.Subsets {
		if len(ss.Ports) != 1 || ss.Ports[0].Port != 8080 {
			return nil, nil, fmt.Errorf("ports %+v", ss.Ports)
		}
		for _, a := range ss.Addresses {
			ready = append(ready, a.TargetRef.Name)
		}
		for _, a := range ss.NotReadyAddresses {
			notReady = append(notReady, a.TargetRef.Name)
		}
	}
	return ready, notReady, nil
}

func expectAddresses(t *testing.T, st *projections.State, ready, notReady []string) {
	t.Helper()
	eventstest.Eventually(t, 10*time.Second, func() error {
		r, n, err := addresses(st, "web")
		if err != nil {
			return err
		}
		if !reflect.DeepEqual(r, ready) || !reflect.DeepEqual(n, notReady) {
			return fmt.Errorf("ready %v notReady %v; want %v %v", r, n, ready, notReady)
		}
		return nil
	})
}

func TestEndpointsFollowPodReadinessAndService(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	st := watch(t, log)
	start(t, log, "a")
	create(t, log, "services", webService())
	create(t, log, "pods", runningPod("web-1", "web", "10.1.0.1", true))
	create(t, log, "pods", runningPod("web-2", "web", "10.1.0.2", true))
	create(t, log, "pods", runningPod("db-1", "db", "10.1.0.3", true))
	expectAddresses(t, st, []string{"web-1", "web-2"}, nil)
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)
	ep := st.Live("endpoints", "default", "web")
	if !endpoints.IsManaged(ep.Object.(*corev1.Endpoints)) || ep.Object.GetUID() == "" {
		t.Fatalf("endpoints metadata %+v", ep.Object)
	}

	// web-1 turns unready, as a node agent would report it.
	pe := st.Live("pods", "default", "web-1")
	unready := pe.Object.(*corev1.Pod).DeepCopy()
	unready.Status.Conditions[0].Status = corev1.ConditionFalse
	write(t, log, events.Write{Resource: events.MustLookup("pods"), Change: "unready", Object: unready, Expected: pe.Seq})
	expectAddresses(t, st, []string{"web-2"}, []string{"web-1"})
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)

	// The Service goes: its Endpoints go with it.
	se := st.Live("services", "default", "web")
	write(t, log, events.DeleteWrite(events.MustLookup("services"), se.Object.(*corev1.Service).DeepCopy(), se.Seq, 0, time.Now()))
	eventstest.Eventually(t, 10*time.Second, func() error {
		if e := st.Get("endpoints", "default", "web"); e == nil || !e.Deleted() {
			return errors.New("endpoints not deleted")
		}
		return nil
	})
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)

	// Created again under the same name: the controller creates the Endpoints
	// again, expecting the tombstone's sequence.
	write(t, log, events.Write{Resource: events.MustLookup("services"), Change: events.Created, Object: webService(),
		Expected: st.Get("services", "default", "web").Seq})
	expectAddresses(t, st, []string{"web-2"}, []string{"web-1"})
	if n := len(st.List("endpoints", "default", nil)); n != 1 {
		t.Fatalf("%d endpoints objects", n)
	}
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)
}

func TestSelectorlessServiceKeepsUserEndpoints(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	st := watch(t, log)
	start(t, log, "a")
	svc := webService()
	svc.Spec.Selector = nil
	create(t, log, "services", svc)
	user := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.168.1.10"}}, Ports: []corev1.EndpointPort{{Port: 5432}}}}}
	create(t, log, "endpoints", user)
	create(t, log, "pods", runningPod("web-1", "web", "10.1.0.1", true))
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)

	se := st.Live("services", "default", "web")
	write(t, log, events.DeleteWrite(events.MustLookup("services"), se.Object.(*corev1.Service).DeepCopy(), se.Seq, 0, time.Now()))
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)
	e := st.Live("endpoints", "default", "web")
	if e == nil || e.Type != events.TypeOf(events.MustLookup("endpoints"), events.Created) {
		t.Fatalf("user's Endpoints touched: %+v", e)
	}
}

// TestTwoControllersAgree: two instances race on the same Services and
// converge without a write loop.
func TestTwoControllersAgree(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	st := watch(t, log)
	start(t, log, "one")
	start(t, log, "two")
	create(t, log, "services", webService())
	for i := range 5 {
		create(t, log, "pods", runningPod(fmt.Sprintf("web-%d", i), "web", fmt.Sprintf("10.1.0.%d", i+1), i%2 == 0))
	}
	expectAddresses(t, st, []string{"web-0", "web-2", "web-4"}, []string{"web-1", "web-3"})
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)
}
