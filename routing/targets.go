package routing

import (
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// Backend is one ready address of a Service port: where to send, and the
// node it runs on ("" when the Endpoints do not say).
type Backend struct {
	IP   string
	Port int32
	Node string
	// Pod names the pod behind the address ("" for Endpoints a user or a
	// server wrote by hand), in the Endpoints' namespace.
	Pod string
}

// HostPort is the backend as host:port.
func (b Backend) HostPort() string { return net.JoinHostPort(b.IP, strconv.Itoa(int(b.Port))) }

// Backends lists the ready addresses of a Service's Endpoints for one of
// its ports (matched by name and protocol, so a named target port is the
// number the endpoint controller resolved), in Endpoints order.
func Backends(ep *corev1.Endpoints, sp corev1.ServicePort) []Backend {
	if ep == nil {
		return nil
	}
	proto := sp.Protocol
	if proto == "" {
		proto = corev1.ProtocolTCP
	}
	var out []Backend
	for _, subset := range ep.Subsets {
		for _, p := range subset.Ports {
			pp := p.Protocol
			if pp == "" {
				pp = corev1.ProtocolTCP
			}
			if p.Name != sp.Name || pp != proto {
				continue
			}
			for _, a := range subset.Addresses {
				b := Backend{IP: a.IP, Port: p.Port}
				if a.NodeName != nil {
					b.Node = *a.NodeName
				}
				if a.TargetRef != nil && a.TargetRef.Kind == "Pod" {
					b.Pod = a.TargetRef.Name
				}
				out = append(out, b)
			}
		}
	}
	return out
}

// Targets lists host:port of the ready addresses of a Service's Endpoints
// for one of its ports, in Endpoints order.
func Targets(ep *corev1.Endpoints, sp corev1.ServicePort) []string {
	var out []string
	for _, b := range Backends(ep, sp) {
		out = append(out, b.HostPort())
	}
	return out
}

// Listener is one port a node opens for a Service.
type Listener struct {
	Port        int32 // on the node
	Namespace   string
	Service     string
	ServicePort corev1.ServicePort
	Affinity    *Affinity // nil: round robin
}

// Listeners lists the ports a node opens: every NodePort of NodePort and
// LoadBalancer Services, and for LoadBalancer Services also the Service
// port itself (ServiceLB style). A port claimed twice goes to the first
// Service by namespace/name; the caller reports the others.
func Listeners(services []*corev1.Service) (out []Listener, conflicts []string) {
	taken := map[int32]string{}
	add := func(port int32, svc *corev1.Service, sp corev1.ServicePort) {
		if port <= 0 || (sp.Protocol != "" && sp.Protocol != corev1.ProtocolTCP) {
			return
		}
		who := svc.Namespace + "/" + svc.Name
		if prev, dup := taken[port]; dup {
			if prev != who {
				conflicts = append(conflicts, who+": port "+strconv.Itoa(int(port))+" is "+prev+"'s")
			}
			return
		}
		taken[port] = who
		out = append(out, Listener{Port: port, Namespace: svc.Namespace, Service: svc.Name, ServicePort: sp, Affinity: AffinityOf(svc)})
	}
	for _, svc := range sortedServices(services) {
		if svc.Spec.Type != corev1.ServiceTypeNodePort && svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
			continue
		}
		for _, sp := range svc.Spec.Ports {
			add(sp.NodePort, svc, sp)
		}
		if svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
			for _, sp := range svc.Spec.Ports {
				add(sp.Port, svc, sp)
			}
		}
	}
	return out, conflicts
}

// WithAddress adds ip to ep's subset serving exactly ports, making that
// subset when there is none, and reports whether anything changed. A
// server that lists itself in a selector-less Service's Endpoints (the
// gateways in kubernetes', the DNS servers in kube-dns's) calls it.
func WithAddress(ep *corev1.Endpoints, ip string, ports []corev1.EndpointPort) bool {
	for i := range ep.Subsets {
		ss := &ep.Subsets[i]
		if !samePorts(ss.Ports, ports) {
			continue
		}
		for _, a := range ss.Addresses {
			if a.IP == ip {
				return false
			}
		}
		ss.Addresses = append(ss.Addresses, corev1.EndpointAddress{IP: ip})
		return true
	}
	ep.Subsets = append(ep.Subsets, corev1.EndpointSubset{Addresses: []corev1.EndpointAddress{{IP: ip}}, Ports: ports})
	return true
}

// WithoutAddress takes ip out of ep's subset serving exactly ports
// (dropping the subset when it empties), reporting whether anything changed.
func WithoutAddress(ep *corev1.Endpoints, ip string, ports []corev1.EndpointPort) bool {
	for i := range ep.Subsets {
		ss := &ep.Subsets[i]
		if !samePorts(ss.Ports, ports) {
			continue
		}
		for j, a := range ss.Addresses {
			if a.IP == ip {
				ss.Addresses = append(ss.Addresses[:j], ss.Addresses[j+1:]...)
				if len(ss.Addresses) == 0 && len(ss.NotReadyAddresses) == 0 {
					ep.Subsets = append(ep.Subsets[:i], ep.Subsets[i+1:]...)
				}
				return true
			}
		}
	}
	return false
}

func samePorts(a, b []corev1.EndpointPort) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || a[i].Port != b[i].Port || a[i].Protocol != b[i].Protocol {
			return false
		}
	}
	return true
}
