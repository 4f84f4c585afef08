package gateway

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
)

// The API's own Service: default/kubernetes on the range's first address,
// port 443, and Endpoints naming each gateway that started (a second one
// on the same log adds itself beside the first).
func TestKubernetesServiceListsTheGateways(t *testing.T) {
	t.Parallel()
	g := startGatewayWith(t, nil, func(c *Config) { c.Addr = "127.0.0.1:6443" })
	var svc corev1.Service
	g.must(http.StatusOK, "GET", "/api/v1/namespaces/default/services/kubernetes", nil).into(t, &svc)
	if svc.Spec.ClusterIP != "10.96.0.1" || len(svc.Spec.Ports) != 1 || svc.Spec.Ports[0].Port != 443 ||
		svc.Spec.Ports[0].TargetPort.IntValue() != 6443 || len(svc.Spec.Selector) != 0 {
		t.Fatalf("kubernetes Service %+v", svc.Spec)
	}
	// A second gateway on the same log adds itself (New returns once its
	// own projection has its write; the first one's catches up).
	if _, err := New(t.Context(), withAdmin(Config{Log: g.log, Instance: "second", Addr: "127.0.0.2:6443"})); err != nil {
		t.Fatal(err)
	}
	var ep corev1.Endpoints
	eventstest.Eventually(t, 5*time.Second, func() error {
		ep = corev1.Endpoints{}
		g.must(http.StatusOK, "GET", "/api/v1/namespaces/default/endpoints/kubernetes", nil).into(t, &ep)
		if len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses) != 2 || ep.Subsets[0].Ports[0].Port != 6443 ||
			ep.Subsets[0].Addresses[0].IP != "127.0.0.1" || ep.Subsets[0].Addresses[1].IP != "127.0.0.2" {
			return fmt.Errorf("kubernetes Endpoints %+v", ep.Subsets)
		}
		return nil
	})
	// A restart of a listed gateway writes nothing more.
	if _, err := New(t.Context(), withAdmin(Config{Log: g.log, Instance: "first-again", Addr: "127.0.0.1:6443"})); err != nil {
		t.Fatal(err)
	}
	var again corev1.Endpoints
	g.must(http.StatusOK, "GET", "/api/v1/namespaces/default/endpoints/kubernetes", nil).into(t, &again)
	if again.ResourceVersion != ep.ResourceVersion {
		t.Fatalf("endpoints rewritten: %s → %s", ep.ResourceVersion, again.ResourceVersion)
	}
}
