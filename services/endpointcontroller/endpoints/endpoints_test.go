package endpoints

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var app = map[string]string{"app": "web"}

type svcOpt func(*corev1.Service)

func service(opts ...svcOpt) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"}}
	s.Spec.Selector = app
	s.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080), Protocol: corev1.ProtocolTCP}}
	for _, o := range opts {
		o(s)
	}
	return s
}

func ports(ps ...corev1.ServicePort) svcOpt { return func(s *corev1.Service) { s.Spec.Ports = ps } }

type podOpt func(*corev1.Pod)

func pod(name, ip string, ready bool, opts ...podOpt) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "ns", UID: types.UID("uid-" + name), Labels: app}}
	p.Spec.NodeName = "node-1"
	p.Spec.Containers = []corev1.Container{{Name: "c", Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}
	p.Status.Phase = corev1.PodRunning
	p.Status.PodIP = ip
	st := corev1.ConditionFalse
	if ready {
		st = corev1.ConditionTrue
	}
	p.Status.Conditions = []corev1.PodCondition{{Type: corev1.PodReady, Status: st}}
	for _, o := range opts {
		o(p)
	}
	return p
}

func containerPorts(cps ...corev1.ContainerPort) podOpt {
	return func(p *corev1.Pod) { p.Spec.Containers[0].Ports = cps }
}

func addr(name, ip string) corev1.EndpointAddress {
	node := "node-1"
	return corev1.EndpointAddress{IP: ip, NodeName: &node,
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: "ns", Name: name, UID: types.UID("uid-" + name)}}
}

func port(name string, n int32) corev1.EndpointPort {
	return corev1.EndpointPort{Name: name, Port: n, Protocol: corev1.ProtocolTCP}
}

func TestDesired(t *testing.T) {
	terminating := func(p *corev1.Pod) { now := metav1.Now(); p.DeletionTimestamp = &now }
	tests := []struct {
		name    string
		svc     *corev1.Service
		pods    []*corev1.Pod
		manage  bool
		none    bool // manage but no Endpoints (ExternalName)
		subsets []corev1.EndpointSubset
	}{
		{name: "no selector: left to the user",
			svc: service(func(s *corev1.Service) { s.Spec.Selector = nil }), pods: []*corev1.Pod{pod("a", "10.0.0.1", true)}},
		{name: "ExternalName has none", manage: true, none: true,
			svc: service(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName }), pods: []*corev1.Pod{pod("a", "10.0.0.1", true)}},
		{name: "no pods: empty Endpoints", manage: true, svc: service()},
		{name: "ready and unready, sorted by IP", manage: true, svc: service(),
			pods: []*corev1.Pod{pod("c", "10.0.0.10", true), pod("a", "10.0.0.2", true), pod("b", "10.0.0.3", false)},
			subsets: []corev1.EndpointSubset{{
				Addresses:         []corev1.EndpointAddress{addr("a", "10.0.0.2"), addr("c", "10.0.0.10")},
				NotReadyAddresses: []corev1.EndpointAddress{addr("b", "10.0.0.3")},
				Ports:             []corev1.EndpointPort{port("http", 8080)},
			}}},
		{name: "pods without IP, finished, other labels or namespace left out", manage: true, svc: service(),
			pods: []*corev1.Pod{
				pod("noip", "", true),
				pod("done", "10.0.0.4", false, func(p *corev1.Pod) { p.Status.Phase = corev1.PodSucceeded }),
				pod("other", "10.0.0.5", true, func(p *corev1.Pod) { p.Labels = map[string]string{"app": "db"} }),
				pod("elsewhere", "10.0.0.6", true, func(p *corev1.Pod) { p.Namespace = "other" }),
				pod("a", "10.0.0.1", true),
			},
			subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("a", "10.0.0.1")}, Ports: []corev1.EndpointPort{port("http", 8080)}}}},
		{name: "terminating pods excluded", manage: true, svc: service(),
			pods:    []*corev1.Pod{pod("a", "10.0.0.1", true, terminating), pod("b", "10.0.0.2", true)},
			subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("b", "10.0.0.2")}, Ports: []corev1.EndpointPort{port("http", 8080)}}}},
		{name: "publishNotReadyAddresses lists unready and terminating as ready", manage: true,
			svc:  service(func(s *corev1.Service) { s.Spec.PublishNotReadyAddresses = true }),
			pods: []*corev1.Pod{pod("a", "10.0.0.1", false), pod("b", "10.0.0.2", true, terminating)},
			subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("a", "10.0.0.1"), addr("b", "10.0.0.2")},
				Ports: []corev1.EndpointPort{port("http", 8080)}}}},
		{name: "named target port resolved per pod and grouped", manage: true,
			svc: service(ports(corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromString("web")})),
			pods: []*corev1.Pod{
				pod("a", "10.0.0.1", true, containerPorts(corev1.ContainerPort{Name: "web", ContainerPort: 8080})),
				pod("b", "10.0.0.2", true, containerPorts(corev1.ContainerPort{Name: "web", ContainerPort: 9090})),
				pod("c", "10.0.0.3", true, containerPorts(corev1.ContainerPort{Name: "web", ContainerPort: 8080})),
				pod("d", "10.0.0.4", true, containerPorts(corev1.ContainerPort{Name: "other", ContainerPort: 8080})),
				pod("e", "10.0.0.5", true, containerPorts(corev1.ContainerPort{Name: "web", ContainerPort: 8080, Protocol: corev1.ProtocolUDP})),
			},
			subsets: []corev1.EndpointSubset{
				{Addresses: []corev1.EndpointAddress{addr("a", "10.0.0.1"), addr("c", "10.0.0.3")}, Ports: []corev1.EndpointPort{port("http", 8080)}},
				{Addresses: []corev1.EndpointAddress{addr("b", "10.0.0.2")}, Ports: []corev1.EndpointPort{port("http", 9090)}},
			}},
		{name: "multi-port, a pod missing one named port keeps the other", manage: true,
			svc: service(ports(
				corev1.ServicePort{Name: "metrics", Port: 9100, TargetPort: intstr.FromString("metrics")},
				corev1.ServicePort{Name: "http", Port: 80, TargetPort: intstr.FromInt32(8080)},
			)),
			pods: []*corev1.Pod{
				pod("a", "10.0.0.1", true, containerPorts(corev1.ContainerPort{Name: "metrics", ContainerPort: 9100})),
				pod("b", "10.0.0.2", false),
			},
			subsets: []corev1.EndpointSubset{
				{NotReadyAddresses: []corev1.EndpointAddress{addr("b", "10.0.0.2")}, Ports: []corev1.EndpointPort{port("http", 8080)}},
				{Addresses: []corev1.EndpointAddress{addr("a", "10.0.0.1")}, Ports: []corev1.EndpointPort{port("http", 8080), port("metrics", 9100)}},
			}},
		{name: "unset target port means the service port", manage: true,
			svc:     service(ports(corev1.ServicePort{Name: "http", Port: 80})),
			pods:    []*corev1.Pod{pod("a", "10.0.0.1", true)},
			subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("a", "10.0.0.1")}, Ports: []corev1.EndpointPort{port("http", 80)}}}},
		{name: "headless without ports lists addresses", manage: true,
			svc:     service(ports(), func(s *corev1.Service) { s.Spec.ClusterIP = corev1.ClusterIPNone }),
			pods:    []*corev1.Pod{pod("a", "10.0.0.1", true)},
			subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{addr("a", "10.0.0.1")}}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ep, manage := Desired(tc.svc, tc.pods)
			if manage != tc.manage {
				t.Fatalf("manage = %v, want %v", manage, tc.manage)
			}
			if !manage || tc.none {
				if ep != nil {
					t.Fatalf("got Endpoints %+v, want none", ep)
				}
				return
			}
			if ep.Name != "web" || ep.Namespace != "ns" || !IsManaged(ep) {
				t.Fatalf("metadata %+v", ep.ObjectMeta)
			}
			if !reflect.DeepEqual(ep.Subsets, tc.subsets) {
				t.Fatalf("subsets\n got %+v\nwant %+v", ep.Subsets, tc.subsets)
			}
		})
	}
}

func TestDesiredLabels(t *testing.T) {
	svc := service(func(s *corev1.Service) {
		s.Labels = map[string]string{"tier": "front"}
		s.Spec.ClusterIP = corev1.ClusterIPNone
	})
	ep, _ := Desired(svc, nil)
	want := map[string]string{"tier": "front", ManagedByLabel: ManagedByValue, HeadlessLabel: ""}
	if !reflect.DeepEqual(ep.Labels, want) {
		t.Fatalf("labels %v, want %v", ep.Labels, want)
	}
}

func TestDecide(t *testing.T) {
	ready := []*corev1.Pod{pod("a", "10.0.0.1", true)}
	current, _ := Desired(service(), ready)
	current.UID, current.ResourceVersion = "ep-uid", "7"
	current.Annotations = map[string]string{"note": "kept"}
	userOwned := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "ns"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "192.168.1.1"}}}}}
	noSelector := service(func(s *corev1.Service) { s.Spec.Selector = nil })
	external := service(func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName })
	emptySlices := current.DeepCopy()
	emptySlices.Subsets[0].NotReadyAddresses = []corev1.EndpointAddress{}

	tests := []struct {
		name     string
		svc      *corev1.Service
		pods     []*corev1.Pod
		existing *corev1.Endpoints
		want     Action
	}{
		{"create when missing", service(), ready, nil, Create},
		{"nothing when equal", service(), ready, current, None},
		{"nil and empty slices are equal", service(), ready, emptySlices, None},
		{"update when a pod turns unready", service(), []*corev1.Pod{pod("a", "10.0.0.1", false)}, current, Update},
		{"update a user's Endpoints of a selector Service", service(), ready, userOwned, Update},
		{"service gone: delete ours", nil, nil, current, Delete},
		{"service gone: keep the user's", nil, nil, userOwned, None},
		{"service gone, nothing there", nil, nil, nil, None},
		{"no selector: keep the user's", noSelector, ready, userOwned, None},
		{"no selector: nothing to create", noSelector, ready, nil, None},
		{"ExternalName: delete ours", external, ready, current, Delete},
		{"ExternalName: keep the user's", external, ready, userOwned, None},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before *corev1.Endpoints
			if tc.existing != nil {
				before = tc.existing.DeepCopy()
			}
			d := Decide(tc.svc, tc.pods, tc.existing)
			if d.Action != tc.want {
				t.Fatalf("action %q, want %q", d.Action, tc.want)
			}
			if tc.existing != nil && !reflect.DeepEqual(before, tc.existing) {
				t.Fatal("existing Endpoints modified")
			}
			switch d.Action {
			case Update:
				if d.Endpoints.UID != tc.existing.UID || !reflect.DeepEqual(d.Endpoints.Annotations, tc.existing.Annotations) {
					t.Fatalf("update lost identity or annotations: %+v", d.Endpoints.ObjectMeta)
				}
				if !IsManaged(d.Endpoints) {
					t.Fatal("updated Endpoints not marked managed")
				}
			case Create, Delete:
				if d.Endpoints == nil {
					t.Fatal("no object to write")
				}
			}
		})
	}
}
