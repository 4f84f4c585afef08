package endpointslices

import (
	"hash/fnv"
	"net/netip"
	"strconv"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
	"k8s.io/utils/ptr"
)

// Labels Kubernetes puts on EndpointSlices.
const (
	SliceServiceLabel   = discoveryv1.LabelServiceName
	SliceManagedByLabel = discoveryv1.LabelManagedBy
	SliceManagedBy      = "endpointslice-controller.k8s.io"
)

// Of is the discovery.k8s.io/v1 view of an Endpoints object: one
// EndpointSlice per subset and address family, named after the Service,
// ready addresses ready and serving, not-ready ones neither. Jetplane
// derives them on read rather than storing each address twice.
func Of(ep *corev1.Endpoints) []*discoveryv1.EndpointSlice {
	var out []*discoveryv1.EndpointSlice
	for i, ss := range ep.Subsets {
		byFamily := map[discoveryv1.AddressType][]discoveryv1.Endpoint{}
		add := func(a corev1.EndpointAddress, ready bool) {
			typ := discoveryv1.AddressTypeIPv4
			if ip, err := netip.ParseAddr(a.IP); err == nil && ip.Is6() {
				typ = discoveryv1.AddressTypeIPv6
			}
			e := discoveryv1.Endpoint{Addresses: []string{a.IP}, TargetRef: a.TargetRef, NodeName: a.NodeName,
				Conditions: discoveryv1.EndpointConditions{Ready: ptr.To(ready), Serving: ptr.To(ready), Terminating: ptr.To(false)}}
			if a.Hostname != "" {
				e.Hostname = ptr.To(a.Hostname)
			}
			byFamily[typ] = append(byFamily[typ], e)
		}
		for _, a := range ss.Addresses {
			add(a, true)
		}
		for _, a := range ss.NotReadyAddresses {
			add(a, false)
		}
		var ports []discoveryv1.EndpointPort
		for _, p := range ss.Ports {
			ports = append(ports, discoveryv1.EndpointPort{Name: ptr.To(p.Name), Port: ptr.To(p.Port), Protocol: ptr.To(p.Protocol), AppProtocol: p.AppProtocol})
		}
		for _, typ := range []discoveryv1.AddressType{discoveryv1.AddressTypeIPv4, discoveryv1.AddressTypeIPv6} {
			eps, ok := byFamily[typ]
			if !ok {
				continue
			}
			labels := map[string]string{SliceServiceLabel: ep.Name, SliceManagedByLabel: SliceManagedBy}
			for k, v := range ep.Labels {
				if k != events.EndpointsManagedByLabel {
					labels[k] = v
				}
			}
			out = append(out, &discoveryv1.EndpointSlice{
				TypeMeta: metav1.TypeMeta{Kind: "EndpointSlice", APIVersion: "discovery.k8s.io/v1"},
				ObjectMeta: metav1.ObjectMeta{Name: sliceName(ep.Name, i, typ), Namespace: ep.Namespace, Labels: labels,
					UID: types.UID(string(ep.UID) + "-" + strconv.Itoa(i) + "-" + string(typ)), ResourceVersion: ep.ResourceVersion, CreationTimestamp: ep.CreationTimestamp,
					OwnerReferences: []metav1.OwnerReference{{APIVersion: "v1", Kind: "Service", Name: ep.Name, Controller: ptr.To(true)}}},
				AddressType: typ, Endpoints: eps, Ports: ports,
			})
		}
	}
	return out
}

// sliceName is "<service>-<5 characters>", stable for a subset and family,
// like the names the EndpointSlice controller generates.
func sliceName(svc string, subset int, typ discoveryv1.AddressType) string {
	h := fnv.New32a()
	h.Write([]byte(svc + "/" + strconv.Itoa(subset) + "/" + string(typ)))
	const alphabet = "bcdfghjklmnpqrstvwxz2456789"
	v := h.Sum32()
	b := make([]byte, 5)
	for i := range b {
		b[i] = alphabet[v%uint32(len(alphabet))]
		v /= uint32(len(alphabet))
	}
	return svc + "-" + string(b)
}
