package routing

import (
	"testing"
	"time"

	networkingv1 "k8s.io/api/networking/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMatchIngress(t *testing.T) {
	exact, prefix := networkingv1.PathTypeExact, networkingv1.PathTypePrefix
	backend := func(svc string) networkingv1.IngressBackend {
		return networkingv1.IngressBackend{Service: &networkingv1.IngressServiceBackend{Name: svc, Port: networkingv1.ServiceBackendPort{Number: 80}}}
	}
	path := func(p string, typ networkingv1.PathType, svc string) networkingv1.HTTPIngressPath {
		return networkingv1.HTTPIngressPath{Path: p, PathType: &typ, Backend: backend(svc)}
	}
	rule := func(host string, paths ...networkingv1.HTTPIngressPath) networkingv1.IngressRule {
		return networkingv1.IngressRule{Host: host, IngressRuleValue: networkingv1.IngressRuleValue{HTTP: &networkingv1.HTTPIngressRuleValue{Paths: paths}}}
	}
	def := backend("fallback")
	ings := []*networkingv1.Ingress{
		{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "b", CreationTimestamp: metav1.NewTime(time.Unix(2, 0))},
			Spec: networkingv1.IngressSpec{DefaultBackend: &def, Rules: []networkingv1.IngressRule{
				rule("", path("/", prefix, "root"), path("/api", prefix, "api"), path("/api/v2", prefix, "api2"), path("/api/exact", exact, "exact")),
			}}},
		{ObjectMeta: metav1.ObjectMeta{Namespace: "shop", Name: "a", CreationTimestamp: metav1.NewTime(time.Unix(1, 0))},
			Spec: networkingv1.IngressSpec{Rules: []networkingv1.IngressRule{
				rule("shop.example.com", path("/cart", prefix, "cart")),
				rule("*.example.com", path("/", prefix, "wild")),
			}}},
	}
	cases := []struct{ host, path, want string }{
		{"anything", "/", "default/root"},
		{"anything", "/api", "default/api"},
		{"anything", "/api/", "default/api"},
		{"anything", "/apix", "default/root"}, // whole elements only
		{"anything", "/api/v2/items", "default/api2"},
		{"anything", "/api/exact", "default/exact"},
		{"anything", "/api/exact/more", "default/api"},
		{"shop.example.com:8080", "/cart/1", "shop/cart"},
		{"SHOP.example.com", "/other", "shop/wild"}, // host rules' paths fall through to the wildcard's
		{"a.example.com", "/x", "shop/wild"},
		{"a.b.example.com", "/x", "default/root"}, // a wildcard covers one label
	}
	for _, c := range cases {
		r, ok := MatchIngress(ings, c.host, c.path)
		if got := r.Namespace + "/" + r.Service; !ok || got != c.want {
			t.Errorf("%s%s: got %s (%v), want %s", c.host, c.path, got, ok, c.want)
		}
	}
	// Only a default backend left to answer.
	onlyDefault := []*networkingv1.Ingress{{ObjectMeta: metav1.ObjectMeta{Namespace: "x", Name: "d"},
		Spec: networkingv1.IngressSpec{DefaultBackend: &def, Rules: []networkingv1.IngressRule{rule("h.com", path("/a", exact, "a"))}}}}
	if r, ok := MatchIngress(onlyDefault, "h.com", "/b"); !ok || r.Service != "fallback" {
		t.Errorf("default backend: %+v %v", r, ok)
	}
	if _, ok := MatchIngress(nil, "h.com", "/"); ok {
		t.Error("no ingress, no route")
	}
}
