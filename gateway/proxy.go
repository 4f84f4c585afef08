package gateway

import (
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/routing"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// serviceProxy answers Kubernetes' service proxy path,
// /api/v1/namespaces/{ns}/services/{[scheme:]name[:port]}/proxy/{path}:
// each request goes to the next ready endpoint of the service, round robin;
// with none, 503 as kube-apiserver says it.
func (s *Server) serviceProxy(w http.ResponseWriter, r *http.Request, ns, nameAndPort string, rest []string) {
	services := events.MustLookup("services")
	scheme, name, port := splitProxyName(nameAndPort)
	s.catchUpLog(r.Context())
	e := s.proj.State().Live("services", ns, name)
	if e == nil {
		writeError(w, apierrors.NewNotFound(services.GroupResource(), name))
		return
	}
	svc := e.Object.(*corev1.Service)
	sp, err := proxyServicePort(svc, port)
	if err != nil {
		writeError(w, err)
		return
	}
	var ep *corev1.Endpoints
	if e := s.proj.State().Live("endpoints", ns, name); e != nil {
		ep, _ = e.Object.(*corev1.Endpoints)
	}
	client, _, _ := net.SplitHostPort(r.RemoteAddr)
	backends := routing.Backends(ep, sp)
	var targets []string
	for _, b := range backends {
		targets = append(targets, b.HostPort())
	}
	target := s.balancer(ns+"/"+name).Pick(targets, client, routing.AffinityOf(svc), time.Now())
	if target == "" {
		writeError(w, apierrors.NewServiceUnavailable(fmt.Sprintf("no endpoints available for service %q", name)))
		return
	}
	// A pod's address is reached through its node agent; an address a
	// user or a server wrote by hand (the kubernetes Service's) directly.
	var d net.Dialer
	dial := d.DialContext
	for _, b := range backends {
		if b.HostPort() != target || b.Pod == "" {
			continue
		}
		if e := s.proj.State().Live("pods", ns, b.Pod); e != nil {
			if pod := e.Object.(*corev1.Pod); pod.Spec.NodeName != "" {
				dial = s.podDialer(pod, userOf(r.Context()))
			}
		}
		break
	}
	s.proxyTo(w, r, scheme, target, proxyPath(r, rest), dial, "error trying to reach service")
}

// splitProxyName reads "name", "name:port" or "scheme:name:port".
func splitProxyName(s string) (scheme, name, port string) {
	parts := strings.Split(s, ":")
	switch len(parts) {
	case 3:
		return parts[0], parts[1], parts[2]
	case 2:
		return "", parts[0], parts[1]
	}
	return "", s, ""
}

// proxyServicePort finds the service port a proxy path names (by name or
// number), or the only one.
func proxyServicePort(svc *corev1.Service, port string) (corev1.ServicePort, error) {
	if port == "" {
		if len(svc.Spec.Ports) == 1 || len(svc.Spec.Ports) > 0 && svc.Spec.Ports[0].Name == "" {
			return svc.Spec.Ports[0], nil
		}
		if len(svc.Spec.Ports) == 0 {
			return corev1.ServicePort{}, apierrors.NewServiceUnavailable(fmt.Sprintf("service %q has no ports", svc.Name))
		}
	}
	for _, p := range svc.Spec.Ports {
		if p.Name == port || strconv.Itoa(int(p.Port)) == port {
			return p, nil
		}
	}
	return corev1.ServicePort{}, apierrors.NewServiceUnavailable(fmt.Sprintf("no service port %q found for service %q", port, svc.Name))
}

// proxyTurns keeps one balancer per service (round robin, affinity).
type proxyTurns struct{ m sync.Map }

func (s *Server) balancer(key string) *routing.Balancer {
	v, _ := s.turns.m.LoadOrStore(key, new(routing.Balancer))
	return v.(*routing.Balancer)
}
