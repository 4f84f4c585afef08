package endpoints

import (
	"net/netip"
	"sort"
	"strconv"
	"strings"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Labels put on the Endpoints this controller writes.
const (
	// ManagedByLabel marks Endpoints the controller created; only those are
	// deleted when their Service goes.
	ManagedByLabel = events.EndpointsManagedByLabel
	ManagedByValue = events.EndpointsManagedByValue
	// HeadlessLabel is Kubernetes' mark on the Endpoints of a headless Service.
	HeadlessLabel = corev1.IsHeadlessService
)

// Desired computes the Endpoints svc should have from pods (any pods: those
// outside its namespace or selector are ignored). manage is false when the
// controller must not touch the Service's Endpoints (no selector); a nil
// object with manage true means there must be none (ExternalName).
func Desired(svc *corev1.Service, pods []*corev1.Pod) (ep *corev1.Endpoints, manage bool) {
	if len(svc.Spec.Selector) == 0 {
		return nil, false
	}
	if svc.Spec.Type == corev1.ServiceTypeExternalName {
		return nil, true
	}
	ep = &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: svc.Name, Namespace: svc.Namespace, Labels: endpointLabels(svc)}}
	sel := labels.SelectorFromSet(svc.Spec.Selector)
	subsets := map[string]*corev1.EndpointSubset{} // by resolved ports
	for _, pod := range pods {
		if pod.Namespace != svc.Namespace || !sel.Matches(labels.Set(pod.Labels)) || !inEndpoints(pod, svc.Spec.PublishNotReadyAddresses) {
			continue
		}
		ports, ok := resolvePorts(svc, pod)
		if !ok {
			continue
		}
		key := portsKey(ports)
		ss := subsets[key]
		if ss == nil {
			ss = &corev1.EndpointSubset{Ports: ports}
			subsets[key] = ss
		}
		addr := address(svc, pod)
		if svc.Spec.PublishNotReadyAddresses || isReady(pod) {
			ss.Addresses = append(ss.Addresses, addr)
		} else {
			ss.NotReadyAddresses = append(ss.NotReadyAddresses, addr)
		}
	}
	keys := make([]string, 0, len(subsets))
	for k := range subsets {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		ss := subsets[k]
		sortAddresses(ss.Addresses)
		sortAddresses(ss.NotReadyAddresses)
		ep.Subsets = append(ep.Subsets, *ss)
	}
	return ep, true
}

func endpointLabels(svc *corev1.Service) map[string]string {
	out := make(map[string]string, len(svc.Labels)+2)
	for k, v := range svc.Labels {
		out[k] = v
	}
	out[ManagedByLabel] = ManagedByValue
	if svc.Spec.ClusterIP == corev1.ClusterIPNone {
		out[HeadlessLabel] = ""
	} else {
		delete(out, HeadlessLabel)
	}
	return out
}

// inEndpoints: the pod has an IP, has not finished, and is not terminating
// (terminating pods stay only when the Service publishes not-ready addresses).
func inEndpoints(p *corev1.Pod, publishNotReady bool) bool {
	if p.Status.PodIP == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return false
	}
	return p.DeletionTimestamp == nil || publishNotReady
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func address(svc *corev1.Service, p *corev1.Pod) corev1.EndpointAddress {
	a := corev1.EndpointAddress{IP: p.Status.PodIP,
		TargetRef: &corev1.ObjectReference{Kind: "Pod", Namespace: p.Namespace, Name: p.Name, UID: p.UID}}
	if p.Spec.NodeName != "" {
		node := p.Spec.NodeName
		a.NodeName = &node
	}
	// A pod with hostname and subdomain naming this Service gets a DNS name.
	if p.Spec.Hostname != "" && p.Spec.Subdomain == svc.Name {
		a.Hostname = p.Spec.Hostname
	}
	return a
}

// resolvePorts maps the Service's ports onto the pod. A named target port the
// pod does not declare leaves that port out for this pod; false means no port
// is left (a headless Service without ports lists the pod with no ports).
func resolvePorts(svc *corev1.Service, p *corev1.Pod) ([]corev1.EndpointPort, bool) {
	if len(svc.Spec.Ports) == 0 {
		return nil, svc.Spec.ClusterIP == corev1.ClusterIPNone
	}
	var out []corev1.EndpointPort
	for _, sp := range svc.Spec.Ports {
		proto := sp.Protocol
		if proto == "" {
			proto = corev1.ProtocolTCP
		}
		num, ok := targetPort(sp, proto, p)
		if !ok {
			continue
		}
		out = append(out, corev1.EndpointPort{Name: sp.Name, Port: num, Protocol: proto, AppProtocol: sp.AppProtocol})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Name != out[j].Name {
			return out[i].Name < out[j].Name
		}
		return out[i].Port < out[j].Port
	})
	return out, len(out) > 0
}

// targetPort: a number as is (0, unset, means the service port, as the API
// defaults it), a name against the pod's container ports of that protocol.
func targetPort(sp corev1.ServicePort, proto corev1.Protocol, p *corev1.Pod) (int32, bool) {
	tp := sp.TargetPort
	if tp.Type == intstr.Int {
		if tp.IntVal == 0 {
			return sp.Port, true
		}
		return tp.IntVal, true
	}
	if tp.StrVal == "" {
		return sp.Port, true
	}
	for _, c := range p.Spec.Containers {
		for _, cp := range c.Ports {
			cproto := cp.Protocol
			if cproto == "" {
				cproto = corev1.ProtocolTCP
			}
			if cp.Name == tp.StrVal && cproto == proto {
				return cp.ContainerPort, true
			}
		}
	}
	return 0, false
}

func portsKey(ports []corev1.EndpointPort) string {
	var b strings.Builder
	for _, p := range ports {
		b.WriteString(p.Name + "/" + strconv.Itoa(int(p.Port)) + "/" + string(p.Protocol) + ",")
	}
	return b.String()
}

// sortAddresses orders by IP numerically (10.0.0.2 before 10.0.0.10), then
// by pod name, so the same inputs always give the same object.
func sortAddresses(as []corev1.EndpointAddress) {
	sort.Slice(as, func(i, j int) bool {
		a, errA := netip.ParseAddr(as[i].IP)
		b, errB := netip.ParseAddr(as[j].IP)
		if errA == nil && errB == nil && a != b {
			return a.Less(b)
		}
		if as[i].IP != as[j].IP {
			return as[i].IP < as[j].IP
		}
		return refName(as[i]) < refName(as[j])
	})
}

func refName(a corev1.EndpointAddress) string {
	if a.TargetRef == nil {
		return ""
	}
	return a.TargetRef.Name
}
