package gateway

import (
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	discoveryv1 "k8s.io/api/discovery/v1"
)

// backend serves on ip:port, saying who it is and what it saw.
func backend(t *testing.T, id, ip string, port int) int {
	t.Helper()
	ln, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(port)))
	if err != nil {
		t.Fatal(err)
	}
	srv := &httptest.Server{Listener: ln, Config: &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "backend %s saw %s auth=%q", id, r.URL.RequestURI(), r.Header.Get("Authorization"))
	})}}
	srv.Start()
	t.Cleanup(srv.Close)
	return ln.Addr().(*net.TCPAddr).Port
}

func TestServiceProxyRoundRobinsOverReadyEndpoints(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	port := backend(t, "a", "127.0.0.1", 0)
	backend(t, "b", "127.0.0.2", port)
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/services", map[string]any{
		"metadata": map[string]any{"name": "hello"},
		"spec": map[string]any{"selector": map[string]any{"app": "hello"},
			"ports": []any{map[string]any{"name": "http", "port": 80, "targetPort": "http"}}}})
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/endpoints", map[string]any{
		"metadata": map[string]any{"name": "hello"},
		"subsets": []any{map[string]any{
			"addresses": []any{map[string]any{"ip": "127.0.0.1"}, map[string]any{"ip": "127.0.0.2"}},
			"ports":     []any{map[string]any{"name": "http", "port": port}}}}})

	seen := map[string]int{}
	for _, name := range []string{"hello", "hello:http", "http:hello:80", "hello"} {
		r := g.do("GET", "/api/v1/namespaces/default/services/"+name+"/proxy/hi/you?x=1", nil, "Authorization", "Bearer "+adminToken)
		body := string(r.body)
		if r.code != http.StatusOK || !strings.Contains(body, "saw /hi/you?x=1") || !strings.Contains(body, `auth=""`) {
			t.Fatalf("proxy via %s: %d %s", name, r.code, body)
		}
		seen[strings.Fields(body)[1]]++
	}
	if seen["a"] != 2 || seen["b"] != 2 {
		t.Fatalf("round robin: %v", seen)
	}

	g.must(http.StatusServiceUnavailable, "GET", "/api/v1/namespaces/default/services/hello:9999/proxy/", nil).status(t)
	g.must(http.StatusNotFound, "GET", "/api/v1/namespaces/default/services/nope/proxy/", nil).status(t)
	g.must(http.StatusOK, "DELETE", "/api/v1/namespaces/default/endpoints/hello", nil)
	st := g.must(http.StatusServiceUnavailable, "GET", "/api/v1/namespaces/default/services/hello/proxy/", nil).status(t)
	if st.Message != `no endpoints available for service "hello"` {
		t.Fatalf("503 message %q", st.Message)
	}
}

func TestEndpointSlicesAreAViewOfEndpoints(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/endpoints", map[string]any{
		"metadata": map[string]any{"name": "web"},
		"subsets": []any{map[string]any{
			"addresses":         []any{map[string]any{"ip": "10.1.0.1"}, map[string]any{"ip": "10.1.0.2"}},
			"notReadyAddresses": []any{map[string]any{"ip": "10.1.0.3"}},
			"ports":             []any{map[string]any{"name": "http", "port": 8080}}}}})
	var list discoveryv1.EndpointSliceList
	g.must(http.StatusOK, "GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices?labelSelector=kubernetes.io%2Fservice-name%3Dweb", nil).into(t, &list)
	if len(list.Items) != 1 {
		t.Fatalf("slices: %+v", list.Items)
	}
	sl := list.Items[0]
	ready := 0
	for _, e := range sl.Endpoints {
		if *e.Conditions.Ready {
			ready++
		}
	}
	if sl.AddressType != discoveryv1.AddressTypeIPv4 || len(sl.Endpoints) != 3 || ready != 2 || *sl.Ports[0].Port != 8080 ||
		!strings.HasPrefix(sl.Name, "web-") {
		t.Fatalf("slice: %+v", sl)
	}
	g.must(http.StatusOK, "GET", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/"+sl.Name, nil)
	g.must(http.StatusMethodNotAllowed, "POST", "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices", map[string]any{})
}
