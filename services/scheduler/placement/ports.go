package placement

import (
	corev1 "k8s.io/api/core/v1"
)

// HostPort is a port a pod binds on its node's network.
type HostPort struct {
	Protocol corev1.Protocol
	IP       string
	Port     int32
}

// anyIP is the host IP a hostPort binds when it names none.
const anyIP = "0.0.0.0"

// hostPorts lists the host ports of the pod's app containers (kube-scheduler's
// NodePorts plugin looks at these only), with Kubernetes' defaults: TCP and
// every address.
func hostPorts(p *corev1.Pod) []HostPort {
	var out []HostPort
	for i := range p.Spec.Containers {
		for _, cp := range p.Spec.Containers[i].Ports {
			if cp.HostPort <= 0 {
				continue
			}
			hp := HostPort{Protocol: cp.Protocol, IP: cp.HostIP, Port: cp.HostPort}
			if hp.Protocol == "" {
				hp.Protocol = corev1.ProtocolTCP
			}
			if hp.IP == "" {
				hp.IP = anyIP
			}
			out = append(out, hp)
		}
	}
	return out
}

// portsConflict tells whether any wanted port is taken: the same protocol and
// port on the same address, or on every address on either side.
func portsConflict(used map[HostPort]int, want []HostPort) bool {
	for _, w := range want {
		if w.IP == anyIP {
			for u := range used {
				if u.Protocol == w.Protocol && u.Port == w.Port {
					return true
				}
			}
			continue
		}
		if used[w] > 0 || used[HostPort{Protocol: w.Protocol, IP: anyIP, Port: w.Port}] > 0 {
			return true
		}
	}
	return false
}
