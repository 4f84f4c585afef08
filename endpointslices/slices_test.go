package endpointslices

import (
	"testing"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestOf(t *testing.T) {
	ep := &corev1.Endpoints{
		ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default", UID: "u1",
			Labels: map[string]string{"tier": "front", events.EndpointsManagedByLabel: events.EndpointsManagedByValue}},
		Subsets: []corev1.EndpointSubset{{
			Addresses:         []corev1.EndpointAddress{{IP: "10.0.0.1"}, {IP: "fd00::1"}},
			NotReadyAddresses: []corev1.EndpointAddress{{IP: "10.0.0.2"}},
			Ports:             []corev1.EndpointPort{{Name: "http", Port: 8080, Protocol: corev1.ProtocolTCP}},
		}},
	}
	slices := Of(ep)
	if len(slices) != 2 {
		t.Fatalf("%d slices, want one per address family", len(slices))
	}
	v4, v6 := slices[0], slices[1]
	if v4.AddressType != discoveryv1.AddressTypeIPv4 || v6.AddressType != discoveryv1.AddressTypeIPv6 {
		t.Errorf("address types %s %s", v4.AddressType, v6.AddressType)
	}
	if len(v4.Endpoints) != 2 || !*v4.Endpoints[0].Conditions.Ready || *v4.Endpoints[1].Conditions.Ready {
		t.Errorf("v4 endpoints %+v", v4.Endpoints)
	}
	if _, ok := v4.Labels[events.EndpointsManagedByLabel]; ok || v4.Labels["tier"] != "front" || v4.Labels[SliceServiceLabel] != "web" {
		t.Errorf("labels %v", v4.Labels)
	}
	if again := Of(ep); again[0].Name != v4.Name || v4.Name == v6.Name {
		t.Errorf("names %s %s %s: want stable and distinct", v4.Name, again[0].Name, v6.Name)
	}
}
