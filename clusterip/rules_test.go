package clusterip

import (
	"net/netip"
	"reflect"
	"testing"
	"time"

	"github.com/jetplane/jetplane/routing"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/utils/ptr"
)

func svc(name, ip string, mutate ...func(*corev1.Service)) *corev1.Service {
	s := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: name},
		Spec: corev1.ServiceSpec{ClusterIP: ip, Type: corev1.ServiceTypeClusterIP,
			Ports: []corev1.ServicePort{{Name: "http", Port: 80}}}}
	for _, m := range mutate {
		m(s)
	}
	return s
}

func endpoints(port int32, addrs ...[2]string) *corev1.Endpoints {
	ep := &corev1.Endpoints{Subsets: []corev1.EndpointSubset{{Ports: []corev1.EndpointPort{{Name: "http", Port: port}}}}}
	for _, a := range addrs {
		ep.Subsets[0].Addresses = append(ep.Subsets[0].Addresses, corev1.EndpointAddress{IP: a[0], NodeName: ptr.To(a[1])})
	}
	return ep
}

func TestRules(t *testing.T) {
	ip := netip.MustParseAddr("10.96.0.20")
	two := endpoints(8080, [2]string{"172.17.0.2", "a"}, [2]string{"172.17.0.3", "b"})
	both := []routing.Backend{{IP: "172.17.0.2", Port: 8080, Node: "a"}, {IP: "172.17.0.3", Port: 8080, Node: "b"}}
	cases := []struct {
		name string
		svc  *corev1.Service
		ep   *corev1.Endpoints
		want []Rule
	}{
		{"ready backends, named target port resolved by the Endpoints", svc("web", "10.96.0.20"), two,
			[]Rule{{Namespace: "default", Service: "web", PortName: "http", IP: ip, Protocol: corev1.ProtocolTCP, Port: 80, Backends: both}}},
		{"no endpoints: a rule with no backend (refused)", svc("web", "10.96.0.20"), nil,
			[]Rule{{Namespace: "default", Service: "web", PortName: "http", IP: ip, Protocol: corev1.ProtocolTCP, Port: 80}}},
		{"ClientIP affinity, default timeout", svc("web", "10.96.0.20", func(s *corev1.Service) {
			s.Spec.SessionAffinity = corev1.ServiceAffinityClientIP
		}), two, []Rule{{Namespace: "default", Service: "web", PortName: "http", IP: ip, Protocol: corev1.ProtocolTCP, Port: 80,
			Affinity: 3 * time.Hour, Backends: both}}},
		{"internalTrafficPolicy Local keeps this host's nodes", svc("web", "10.96.0.20", func(s *corev1.Service) {
			s.Spec.InternalTrafficPolicy = ptr.To(corev1.ServiceInternalTrafficPolicyLocal)
		}), two, []Rule{{Namespace: "default", Service: "web", PortName: "http", IP: ip, Protocol: corev1.ProtocolTCP, Port: 80,
			Backends: both[:1]}}},
		{"UDP port", svc("dns", "10.96.0.20", func(s *corev1.Service) {
			s.Spec.Ports = []corev1.ServicePort{{Name: "http", Port: 53, Protocol: corev1.ProtocolUDP}}
		}), &corev1.Endpoints{Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "172.17.0.9"}},
			Ports: []corev1.EndpointPort{{Name: "http", Port: 5353, Protocol: corev1.ProtocolUDP}}}}},
			[]Rule{{Namespace: "default", Service: "dns", PortName: "http", IP: ip, Protocol: corev1.ProtocolUDP, Port: 53,
				Backends: []routing.Backend{{IP: "172.17.0.9", Port: 5353}}}}},
		{"headless: none", svc("web", "None"), two, nil},
		{"ExternalName: none", svc("web", "", func(s *corev1.Service) { s.Spec.Type = corev1.ServiceTypeExternalName }), nil, nil},
		{"IPv6 cluster IP: none", svc("web", "fd00::10"), two, nil},
		{"IPv6 backend skipped", svc("web", "10.96.0.20"), endpoints(8080, [2]string{"fd00::2", "a"}),
			[]Rule{{Namespace: "default", Service: "web", PortName: "http", IP: ip, Protocol: corev1.ProtocolTCP, Port: 80}}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := Rules(Input{Services: []*corev1.Service{c.svc},
				Endpoints: func(ns, name string) *corev1.Endpoints { return c.ep },
				Local:     func(node string) bool { return node == "a" }})
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got  %+v\nwant %+v", got, c.want)
			}
		})
	}
}
