package apis

import (
	"fmt"
	"math/big"
	"net"
	"strconv"

	corev1 "k8s.io/api/core/v1"
)

// DefaultServiceCIDR is Kubernetes' default service cluster IP range.
const DefaultServiceCIDR = "10.96.0.0/12"

// ServiceRange is a range of cluster IPs to allocate from.
type ServiceRange struct {
	base *big.Int
	size int64 // usable addresses: the network's first and last are not handed out
	ipv6 bool
	net  *net.IPNet
}

// ParseServiceRange reads a CIDR such as 10.96.0.0/12.
func ParseServiceRange(cidr string) (ServiceRange, error) {
	_, n, err := net.ParseCIDR(cidr)
	if err != nil {
		return ServiceRange{}, fmt.Errorf("service range %q: %w", cidr, err)
	}
	ones, bits := n.Mask.Size()
	if bits-ones < 2 || bits-ones > 62 {
		return ServiceRange{}, fmt.Errorf("service range %q: want between 4 and 2^62 addresses", cidr)
	}
	ip := n.IP.To4()
	if ip == nil {
		ip = n.IP.To16()
	}
	return ServiceRange{base: new(big.Int).SetBytes(ip), size: int64(1)<<(bits-ones) - 2, ipv6: len(ip) == net.IPv6len, net: n}, nil
}

// Size is how many addresses the range hands out.
func (r ServiceRange) Size() int64 { return r.size }

// At is the i-th address handed out (0-based; the network address is
// skipped, so 10.96.0.0/12 starts at 10.96.0.1).
func (r ServiceRange) At(i int64) string {
	v := new(big.Int).Add(r.base, big.NewInt(i+1))
	b := v.Bytes()
	width := net.IPv4len
	if r.ipv6 {
		width = net.IPv6len
	}
	ip := make(net.IP, width)
	copy(ip[width-len(b):], b)
	return ip.String()
}

// Contains tells whether ip is in the range.
func (r ServiceRange) Contains(ip string) bool {
	p := net.ParseIP(ip)
	return p != nil && r.net.Contains(p)
}

// NeedsClusterIP tells whether a service gets a cluster IP allocated: not
// ExternalName, not headless, none given.
func NeedsClusterIP(svc *corev1.Service) bool {
	return svc.Spec.Type != corev1.ServiceTypeExternalName && svc.Spec.ClusterIP == ""
}

// HasNodePorts tells whether a service's ports take node ports.
func HasNodePorts(svc *corev1.Service) bool {
	return svc.Spec.Type == corev1.ServiceTypeNodePort || svc.Spec.Type == corev1.ServiceTypeLoadBalancer
}

// NodePortRange is the node port range, as Kubernetes' default.
const (
	NodePortMin = minNodePort
	NodePortMax = maxNodePort
)

// AllocationKeys names the allocations a service holds: "clusterip.<ip>"
// (dots as dashes) and "nodeport.<port>".
func AllocationKeys(svc *corev1.Service) []string {
	var keys []string
	if ip := svc.Spec.ClusterIP; ip != "" && ip != corev1.ClusterIPNone {
		keys = append(keys, ClusterIPKey(ip))
	}
	if HasNodePorts(svc) {
		for _, p := range svc.Spec.Ports {
			if p.NodePort != 0 {
				keys = append(keys, NodePortKey(p.NodePort))
			}
		}
	}
	return keys
}

// ClusterIPKey and NodePortKey are the allocation bucket's keys.
func ClusterIPKey(ip string) string {
	b := []byte(ip)
	for i, c := range b {
		if c == '.' || c == ':' {
			b[i] = '-'
		}
	}
	return "clusterip." + string(b)
}

func NodePortKey(port int32) string { return "nodeport." + strconv.Itoa(int(port)) }
