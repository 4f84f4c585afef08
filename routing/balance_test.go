package routing

import (
	"fmt"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
	"k8s.io/utils/ptr"
)

func TestPick(t *testing.T) {
	t0 := time.Unix(1000, 0)
	aff := &Affinity{Timeout: time.Minute}
	cases := []struct {
		name     string
		affinity *Affinity
		calls    []struct {
			targets []string
			client  string
			at      time.Duration
		}
		want []string
	}{
		{name: "round robin spreads every client", calls: []struct {
			targets []string
			client  string
			at      time.Duration
		}{{[]string{"a", "b"}, "c1", 0}, {[]string{"a", "b"}, "c1", 0}, {[]string{"a", "b"}, "c2", 0}, {[]string{"a", "b"}, "c1", 0}},
			want: []string{"a", "b", "a", "b"}},
		{name: "ClientIP pins a client while it comes back in time", affinity: aff, calls: []struct {
			targets []string
			client  string
			at      time.Duration
		}{{[]string{"a", "b"}, "c1", 0}, {[]string{"a", "b"}, "c2", 0}, {[]string{"a", "b"}, "c1", 30 * time.Second},
			{[]string{"a", "b"}, "c1", 80 * time.Second}, {[]string{"a", "b"}, "c3", 90 * time.Second},
			// c1 stayed away past the timeout: round robin again (its turn is b).
			{[]string{"a", "b"}, "c1", 3 * time.Minute}},
			want: []string{"a", "b", "a", "a", "a", "b"}},
		{name: "a pinned backend that is gone is replaced", affinity: aff, calls: []struct {
			targets []string
			client  string
			at      time.Duration
		}{{[]string{"a", "b"}, "c1", 0}, {[]string{"b"}, "c1", time.Second}, {[]string{"a", "b"}, "c1", 2 * time.Second}},
			want: []string{"a", "b", "b"}},
		{name: "no targets, no backend", calls: []struct {
			targets []string
			client  string
			at      time.Duration
		}{{nil, "c1", 0}}, want: []string{""}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var b Balancer
			var got []string
			for _, call := range c.calls {
				got = append(got, b.Pick(call.targets, call.client, c.affinity, t0.Add(call.at)))
			}
			if fmt.Sprint(got) != fmt.Sprint(c.want) {
				t.Fatalf("got %v, want %v", got, c.want)
			}
		})
	}
}

func TestListenersAndTargets(t *testing.T) {
	svc := func(name string, typ corev1.ServiceType, port, nodePort int32) *corev1.Service {
		return &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
			Spec: corev1.ServiceSpec{Type: typ, Ports: []corev1.ServicePort{{Name: "http", Port: port, NodePort: nodePort,
				TargetPort: intstr.FromString("http")}}}}
	}
	sticky := svc("sticky", corev1.ServiceTypeNodePort, 80, 30001)
	sticky.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
	sticky.Spec.SessionAffinityConfig = &corev1.SessionAffinityConfig{ClientIP: &corev1.ClientIPConfig{TimeoutSeconds: ptr.To(int32(60))}}
	ls, conflicts := Listeners([]*corev1.Service{
		svc("plain", corev1.ServiceTypeClusterIP, 80, 0),
		svc("np", corev1.ServiceTypeNodePort, 8080, 31472),
		svc("lb", corev1.ServiceTypeLoadBalancer, 9090, 30002),
		svc("clash", corev1.ServiceTypeLoadBalancer, 8080, 30003), // 8080 clashes with... nothing: np's 8080 is not opened
		svc("zz", corev1.ServiceTypeNodePort, 1, 31472),
		sticky,
	})
	var got []string
	for _, l := range ls {
		a := "rr"
		if l.Affinity != nil {
			a = l.Affinity.Timeout.String()
		}
		got = append(got, fmt.Sprintf("%d:%s:%s", l.Port, l.Service, a))
	}
	want := "[30003:clash:rr 8080:clash:rr 30002:lb:rr 9090:lb:rr 31472:np:rr 30001:sticky:1m0s]"
	if fmt.Sprint(got) != want || len(conflicts) != 1 {
		t.Fatalf("listeners %v conflicts %v\nwant %s", got, conflicts, want)
	}
	ep := &corev1.Endpoints{Subsets: []corev1.EndpointSubset{
		{Addresses: []corev1.EndpointAddress{{IP: "10.0.0.1"}, {IP: "10.0.0.2"}}, NotReadyAddresses: []corev1.EndpointAddress{{IP: "10.0.0.3"}},
			Ports: []corev1.EndpointPort{{Name: "http", Port: 8080}, {Name: "metrics", Port: 9100}}},
	}}
	if got := Targets(ep, corev1.ServicePort{Name: "http"}); fmt.Sprint(got) != "[10.0.0.1:8080 10.0.0.2:8080]" {
		t.Fatalf("targets %v", got)
	}
	if got := Targets(nil, corev1.ServicePort{Name: "http"}); got != nil {
		t.Fatalf("targets without endpoints: %v", got)
	}
}
