package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/jetplane/jetplane/gateway/apis"
	corev1 "k8s.io/api/core/v1"
)

func service(name string, spec map[string]any) map[string]any {
	if spec["ports"] == nil && spec["type"] != "ExternalName" {
		spec["ports"] = []any{map[string]any{"port": 80}}
	}
	return map[string]any{"metadata": map[string]any{"name": name}, "spec": spec}
}

const servicesPath = "/api/v1/namespaces/default/services"

func TestClusterIPsAndNodePortsAreAllocatedOnce(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	rng, _ := apis.ParseServiceRange(apis.DefaultServiceCIDR)
	create := func(name string, spec map[string]any) corev1.Service {
		var svc corev1.Service // fresh: decoding into a used one would keep its fields
		g.must(http.StatusCreated, "POST", servicesPath, service(name, spec)).into(t, &svc)
		return svc
	}
	svc := create("plain", map[string]any{})
	if !rng.Contains(svc.Spec.ClusterIP) || len(svc.Spec.ClusterIPs) != 1 || svc.Spec.ClusterIPs[0] != svc.Spec.ClusterIP {
		t.Fatalf("cluster IP %q %v", svc.Spec.ClusterIP, svc.Spec.ClusterIPs)
	}
	svc = create("headless", map[string]any{"clusterIP": "None"})
	if svc.Spec.ClusterIP != "None" {
		t.Fatalf("headless got %q", svc.Spec.ClusterIP)
	}
	svc = create("ext", map[string]any{"type": "ExternalName", "externalName": "example.com"})
	if svc.Spec.ClusterIP != "" || svc.Spec.ExternalName != "example.com" {
		t.Fatalf("external name service: %+v", svc.Spec)
	}
	svc = create("np", map[string]any{"type": "NodePort"})
	if p := svc.Spec.Ports[0].NodePort; p < 30000 || p > 32767 {
		t.Fatalf("node port %d", p)
	}
	svc = create("fixed", map[string]any{"type": "NodePort",
		"ports": []any{map[string]any{"port": 8080, "nodePort": 31472}}})
	if svc.Spec.Ports[0].NodePort != 31472 {
		t.Fatalf("given node port became %d", svc.Spec.Ports[0].NodePort)
	}
	fixedIP := svc.Spec.ClusterIP

	st := g.must(http.StatusUnprocessableEntity, "POST", servicesPath, service("again", map[string]any{"type": "NodePort",
		"ports": []any{map[string]any{"port": 8080, "nodePort": 31472}}})).status(t)
	if !strings.Contains(st.Message, "spec.ports[0].nodePort") || !strings.Contains(st.Message, "provided port is already allocated") {
		t.Fatalf("taken node port: %s", st.Message)
	}
	st = g.must(http.StatusUnprocessableEntity, "POST", servicesPath, service("sameip", map[string]any{"clusterIP": fixedIP})).status(t)
	if !strings.Contains(st.Message, "spec.clusterIP") || !strings.Contains(st.Message, "provided IP is already allocated") {
		t.Fatalf("taken IP: %s", st.Message)
	}
	st = g.must(http.StatusUnprocessableEntity, "POST", servicesPath, service("outside", map[string]any{"clusterIP": "192.168.1.1"})).status(t)
	if !strings.Contains(st.Message, "spec.clusterIP") {
		t.Fatalf("IP outside the range: %s", st.Message)
	}
	g.must(http.StatusUnprocessableEntity, "POST", servicesPath, service("far", map[string]any{"type": "NodePort",
		"ports": []any{map[string]any{"port": 80, "nodePort": 40000}}}))

	// Deleting releases: the port and IP can be asked for again at once.
	g.must(http.StatusOK, "DELETE", servicesPath+"/fixed", nil)
	g.must(http.StatusCreated, "POST", servicesPath, service("again", map[string]any{"type": "NodePort", "clusterIP": fixedIP,
		"ports": []any{map[string]any{"port": 8080, "nodePort": 31472}}}))

	// Turning a ClusterIP service into a NodePort one allocates its port.
	svc = corev1.Service{}
	g.must(http.StatusOK, "PATCH", servicesPath+"/plain", `{"spec":{"type":"NodePort"}}`,
		"Content-Type", "application/merge-patch+json").into(t, &svc)
	if svc.Spec.Ports[0].NodePort == 0 {
		t.Fatalf("patched to NodePort without a port: %+v", svc.Spec.Ports)
	}
}

func TestTwoGatewaysNeverHandOutOneAddressTwice(t *testing.T) {
	t.Parallel()
	a := startGateway(t, nil)
	// A range of 14 addresses: racing creates collide often.
	second, err := New(t.Context(), withAdmin(Config{Log: a.log, Instance: "b", ServiceCIDR: "10.0.0.0/28"}))
	if err != nil {
		t.Fatal(err)
	}
	first, err := New(t.Context(), withAdmin(Config{Log: a.log, Instance: "a", ServiceCIDR: "10.0.0.0/28"}))
	if err != nil {
		t.Fatal(err)
	}
	gws := []*testGateway{
		{t: t, log: a.log, server: first, http: httptest.NewServer(first.Handler()), token: adminToken},
		{t: t, log: a.log, server: second, http: httptest.NewServer(second.Handler()), token: adminToken},
	}
	for _, g := range gws {
		t.Cleanup(g.http.Close)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	ips := map[string]string{}
	for i := range 14 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var svc corev1.Service
			r := gws[i%2].do("POST", servicesPath, service(fmt.Sprintf("s%d", i), map[string]any{}))
			if r.code != http.StatusCreated {
				t.Errorf("create s%d: %d %s", i, r.code, r.body)
				return
			}
			r.into(t, &svc)
			mu.Lock()
			defer mu.Unlock()
			if other, dup := ips[svc.Spec.ClusterIP]; dup {
				t.Errorf("%s given to %s and %s", svc.Spec.ClusterIP, other, svc.Name)
			}
			ips[svc.Spec.ClusterIP] = svc.Name
		}()
	}
	wg.Wait()
	if len(ips) != 14 {
		t.Fatalf("%d distinct addresses for 14 services", len(ips))
	}
	// The range is full now.
	gws[0].must(http.StatusInternalServerError, "POST", servicesPath, service("s14", map[string]any{}))
}
