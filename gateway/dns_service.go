package gateway

import (
	"context"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/apis"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// The cluster DNS Service, kube-system/kube-dns, as the CoreDNS addon
// installs it: the cluster IP every pod's resolv.conf names (the range's
// tenth address unless Config.ClusterDNS says), ports dns (53/UDP), dns-tcp
// (53/TCP) and metrics (9153/TCP), and no selector: the DNS servers
// (services/clusterdns) list themselves in its Endpoints.
const (
	DNSServiceNamespace = "kube-system"
	DNSServiceName      = "kube-dns"
)

// ensureDNSService creates kube-system/kube-dns where missing, and its
// Endpoints, empty: the DNS servers may update them, never create any.
func (s *Server) ensureDNSService(ctx context.Context) error {
	if s.proj.State().Live("endpoints", DNSServiceNamespace, DNSServiceName) == nil {
		ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: DNSServiceName, Namespace: DNSServiceNamespace,
			Labels: map[string]string{"k8s-app": "kube-dns"}}}
		if err := s.ensure(ctx, events.MustLookup("endpoints"), []events.Object{ep}); err != nil {
			return err
		}
	}
	if s.proj.State().Live("services", DNSServiceNamespace, DNSServiceName) != nil {
		return nil
	}
	ip := s.cfg.ClusterDNS
	if ip == "" {
		ip = s.serviceRange.At(9)
	}
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: DNSServiceName, Namespace: DNSServiceNamespace,
		Labels: map[string]string{"k8s-app": "kube-dns", "kubernetes.io/name": "CoreDNS", "kubernetes.io/cluster-service": "true"}},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeClusterIP, ClusterIP: ip, Ports: []corev1.ServicePort{
			{Name: "dns", Port: 53, Protocol: corev1.ProtocolUDP, TargetPort: intstr.FromInt32(53)},
			{Name: "dns-tcp", Port: 53, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(53)},
			{Name: "metrics", Port: 9153, Protocol: corev1.ProtocolTCP, TargetPort: intstr.FromInt32(9153)}}}}
	apis.Default(events.MustLookup("services"), svc)
	if _, err := s.allocateService(ctx, svc, nil); err != nil {
		s.logger.WithError(err).WithField("ip", ip).Warn("the kube-dns Service cannot take its address")
		return nil
	}
	return s.ensure(ctx, events.MustLookup("services"), []events.Object{svc})
}
