package routing

import (
	"net"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// Route is where an Ingress sends a request.
type Route struct {
	Namespace string
	Service   string
	Port      networkingv1.ServiceBackendPort
}

// MatchIngress finds the backend for a request to host (a Host header,
// port allowed) and path, as Kubernetes' Ingress specifies: rules of the
// exact host first, then of a matching wildcard host (one label), then of
// no host; within them the longest matching path, Exact before Prefix on a
// tie; with no rule matching, a default backend. Prefix matches whole path
// elements ("/foo" matches "/foo/bar", not "/foobar").
func MatchIngress(ingresses []*networkingv1.Ingress, host, path string) (Route, bool) {
	if h, _, err := net.SplitHostPort(host); err == nil {
		host = h
	}
	host = strings.ToLower(host)
	sorted := append([]*networkingv1.Ingress(nil), ingresses...)
	sort.Slice(sorted, func(i, j int) bool {
		a, b := sorted[i], sorted[j]
		if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
			return a.CreationTimestamp.Before(&b.CreationTimestamp)
		}
		return a.Namespace+"/"+a.Name < b.Namespace+"/"+b.Name
	})
	for _, level := range []func(string) bool{
		func(h string) bool { return h != "" && !strings.HasPrefix(h, "*.") && strings.EqualFold(h, host) },
		func(h string) bool { return strings.HasPrefix(h, "*.") && wildcardMatches(h, host) },
		func(h string) bool { return h == "" },
	} {
		if r, ok := bestPath(sorted, level, path); ok {
			return r, true
		}
	}
	for _, ing := range sorted {
		if b := ing.Spec.DefaultBackend; b != nil && b.Service != nil {
			return Route{Namespace: ing.Namespace, Service: b.Service.Name, Port: b.Service.Port}, true
		}
	}
	return Route{}, false
}

func wildcardMatches(pattern, host string) bool {
	suffix := strings.ToLower(strings.TrimPrefix(pattern, "*")) // ".foo.com"
	label, rest, ok := strings.Cut(host, ".")
	return ok && label != "" && "."+rest == suffix
}

func bestPath(ings []*networkingv1.Ingress, hostMatches func(string) bool, path string) (Route, bool) {
	var best Route
	bestLen, bestExact, found := -1, false, false
	for _, ing := range ings {
		for _, rule := range ing.Spec.Rules {
			if !hostMatches(rule.Host) || rule.HTTP == nil {
				continue
			}
			for _, p := range rule.HTTP.Paths {
				exact := p.PathType != nil && *p.PathType == networkingv1.PathTypeExact
				if !pathMatches(p.Path, exact, path) || p.Backend.Service == nil {
					continue
				}
				n := len(strings.TrimRight(p.Path, "/"))
				if n > bestLen || (n == bestLen && exact && !bestExact) {
					best = Route{Namespace: ing.Namespace, Service: p.Backend.Service.Name, Port: p.Backend.Service.Port}
					bestLen, bestExact, found = n, exact, true
				}
			}
		}
	}
	return best, found
}

func pathMatches(rulePath string, exact bool, path string) bool {
	if exact {
		return path == rulePath
	}
	prefix := strings.TrimRight(rulePath, "/")
	if prefix == "" {
		return true
	}
	return path == prefix || strings.HasPrefix(path, prefix+"/")
}

// BackendPort resolves an Ingress backend port against the Service.
func BackendPort(svc *corev1.Service, port networkingv1.ServiceBackendPort) (corev1.ServicePort, bool) {
	for _, p := range svc.Spec.Ports {
		if (port.Name != "" && p.Name == port.Name) || (port.Number != 0 && p.Port == port.Number) {
			return p, true
		}
	}
	return corev1.ServicePort{}, false
}
