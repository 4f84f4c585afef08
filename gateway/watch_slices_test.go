package gateway

import (
	"net/http"
	"strings"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

const endpointsPath = "/api/v1/namespaces/default/endpoints"
const slicesPath = "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices"

func endpointsOf(name, ip string) map[string]any {
	return map[string]any{"apiVersion": "v1", "kind": "Endpoints", "metadata": map[string]any{"name": name},
		"subsets": []any{map[string]any{"addresses": []any{map[string]any{"ip": ip}},
			"ports": []any{map[string]any{"name": "http", "port": 80}}}}}
}

// moveTo is a merge patch giving Endpoints one address on port http.
func moveTo(ip string) string {
	return `{"subsets":[{"addresses":[{"ip":"` + ip + `"}],"ports":[{"name":"http","port":80}]}]}`
}

// expectSlice reads the next event: its type, and the slice's Service.
func (ws *watchStream) expectSlice(typ, service string) podEvent {
	ws.t.Helper()
	ev := ws.next()
	if ev.Type != typ || ev.Object.Kind != "EndpointSlice" || ev.Object.Labels["kubernetes.io/service-name"] != service ||
		ev.Object.ResourceVersion == "" {
		ws.t.Fatalf("want %s of a slice of %s, got %s %s %v rv %q", typ, service, ev.Type, ev.Object.Kind,
			ev.Object.Labels, ev.Object.ResourceVersion)
	}
	return ev
}

// EndpointSlices, a view of the Endpoints, are watched as client-go's
// informers do it (CoreDNS's among them): a streaming list ending in the
// initial-events bookmark, then changes; a resumed watch still sends
// DELETED for slices the client holds; one that cannot know what the
// client holds answers 410 so that it lists again.
func TestWatchEndpointSlices(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	g.must(http.StatusCreated, "POST", endpointsPath, endpointsOf("web", "10.1.0.1"))

	ws := g.watch(slicesPath + "?watch=1&sendInitialEvents=true&allowWatchBookmarks=true&resourceVersionMatch=NotOlderThan")
	ws.expectSlice("ADDED", "web")
	bm := ws.next()
	if bm.Type != "BOOKMARK" || bm.Object.Annotations["k8s.io/initial-events-end"] != "true" || bm.Object.ResourceVersion == "" {
		t.Fatalf("after the initial events: %s %+v", bm.Type, bm.Object.ObjectMeta)
	}
	var ep corev1.Endpoints
	g.must(http.StatusOK, "PATCH", endpointsPath+"/web", moveTo("10.1.0.2"), "Content-Type", "application/merge-patch+json").into(t, &ep)
	if ev := ws.expectSlice("MODIFIED", "web"); ev.Object.ResourceVersion != ep.ResourceVersion {
		t.Fatalf("modified at %s, want %s", ev.Object.ResourceVersion, ep.ResourceVersion)
	}
	ws.cancel()

	// Resumed after the update: the deletion is a DELETED of the slice.
	g.must(http.StatusOK, "DELETE", endpointsPath+"/web", nil)
	resumed := g.watch(slicesPath + "?watch=1&resourceVersion=" + ep.ResourceVersion)
	resumed.expectSlice("DELETED", "web")

	// Resumed from before a change it cannot see the start of: 410.
	var api corev1.Endpoints
	g.must(http.StatusCreated, "POST", endpointsPath, endpointsOf("api", "10.1.0.3")).into(t, &api)
	g.must(http.StatusOK, "PATCH", endpointsPath+"/api", moveTo("10.1.0.4"), "Content-Type", "application/merge-patch+json")
	body := g.must(http.StatusGone, "GET", slicesPath+"?watch=1&resourceVersion="+api.ResourceVersion, nil)
	if !strings.Contains(string(body.body), "list them again") {
		t.Fatalf("410 body: %s", body.body)
	}
}
