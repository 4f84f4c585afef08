package endpoints

import (
	"sort"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
)

// LoadBalancerIngress is what status.loadBalancer.ingress of a Service
// should say: for a LoadBalancer Service, the internal address of every
// Ready node (each node opens the Service port, as k3s's ServiceLB does);
// for any other type, nothing.
func LoadBalancerIngress(svc *corev1.Service, nodes []*corev1.Node) []corev1.LoadBalancerIngress {
	if svc.Spec.Type != corev1.ServiceTypeLoadBalancer {
		return nil
	}
	seen := map[string]bool{}
	var ips []string
	for _, n := range nodes {
		if !nodeReady(n) || n.Spec.Unschedulable {
			continue
		}
		for _, a := range n.Status.Addresses {
			if a.Type == corev1.NodeInternalIP && !seen[a.Address] {
				seen[a.Address] = true
				ips = append(ips, a.Address)
			}
		}
	}
	sort.Strings(ips)
	var out []corev1.LoadBalancerIngress
	for _, ip := range ips {
		out = append(out, corev1.LoadBalancerIngress{IP: ip, IPMode: ptrIPMode(corev1.LoadBalancerIPModeVIP)})
	}
	return out
}

// LoadBalancerChanged tells whether the Service's status must be rewritten.
func LoadBalancerChanged(svc *corev1.Service, want []corev1.LoadBalancerIngress) bool {
	return !equality.Semantic.DeepEqual(svc.Status.LoadBalancer.Ingress, want) &&
		(len(svc.Status.LoadBalancer.Ingress) > 0 || len(want) > 0)
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func ptrIPMode(m corev1.LoadBalancerIPMode) *corev1.LoadBalancerIPMode { return &m }
