package clusterip

import (
	"net/netip"
	"sort"
	"time"

	"github.com/jetplane/jetplane/routing"
	corev1 "k8s.io/api/core/v1"
)

// Rule is what one Service port's cluster IP does.
type Rule struct {
	Namespace, Service, PortName string
	IP                           netip.Addr
	Protocol                     corev1.Protocol // TCP, UDP or SCTP
	Port                         int32
	// Affinity: sessionAffinity ClientIP's timeout, 0 for None.
	Affinity time.Duration
	// Backends are the ready ones; none: a connection is refused.
	Backends []routing.Backend
}

// Key names the rule among all of a node's rules.
func (r Rule) Key() string {
	return r.Namespace + "/" + r.Service + "/" + string(r.Protocol) + "/" + r.PortName
}

// Input is what a node knows when it decides.
type Input struct {
	Services []*corev1.Service
	// Endpoints returns a Service's Endpoints, nil when it has none.
	Endpoints func(namespace, name string) *corev1.Endpoints
	// Local reports whether a node shares this host's kernel (the node
	// itself, and other nodes on the same host), for internalTrafficPolicy
	// Local.
	Local func(node string) bool
}

// Rules lists the rules of every Service port that has an IPv4 cluster IP,
// sorted by Key. Headless (clusterIP None) and ExternalName Services have
// none; an IPv6 cluster IP gets none either (the data path is IPv4 only).
func Rules(in Input) []Rule {
	var out []Rule
	for _, svc := range in.Services {
		if svc == nil || svc.Spec.Type == corev1.ServiceTypeExternalName {
			continue
		}
		ip, err := netip.ParseAddr(svc.Spec.ClusterIP)
		if err != nil || !ip.Is4() {
			continue
		}
		var ep *corev1.Endpoints
		if in.Endpoints != nil {
			ep = in.Endpoints(svc.Namespace, svc.Name)
		}
		local := svc.Spec.InternalTrafficPolicy != nil && *svc.Spec.InternalTrafficPolicy == corev1.ServiceInternalTrafficPolicyLocal
		var affinity time.Duration
		if a := routing.AffinityOf(svc); a != nil {
			affinity = a.Timeout
		}
		for _, sp := range svc.Spec.Ports {
			proto := sp.Protocol
			if proto == "" {
				proto = corev1.ProtocolTCP
			}
			r := Rule{Namespace: svc.Namespace, Service: svc.Name, PortName: sp.Name, IP: ip,
				Protocol: proto, Port: sp.Port, Affinity: affinity}
			for _, b := range routing.Backends(ep, sp) {
				if a, err := netip.ParseAddr(b.IP); err != nil || !a.Is4() || b.Port <= 0 {
					continue
				}
				if local && (in.Local == nil || !in.Local(b.Node)) {
					continue
				}
				r.Backends = append(r.Backends, b)
			}
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Key() < out[j].Key() })
	return out
}
