package gateway

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/jetplane/jetplane/gateway/apis"

	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/events"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// target is what a resource path names.
type target struct {
	res         events.Resource
	namespace   string // "" for cluster-scoped resources or all namespaces
	name        string // "" for a collection
	subresource string // "status", or ""
}

func (s *Server) routes() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/healthz", s.health)
	mux.HandleFunc("/readyz", s.health)
	mux.HandleFunc("/livez", s.health)
	mux.HandleFunc("/version", s.version)
	mux.Handle("/metrics", s.metrics.handler())
	mux.HandleFunc("/openapi/", s.openAPI)
	mux.HandleFunc(authn.OpenIDConfigurationPath, s.issuerDiscovery)
	mux.HandleFunc(authn.JWKSPath, s.issuerDiscovery)
	jp := &jetplaneAPI{log: s.log, proj: s.proj, travel: s.travel, write: s.write, catchUpLog: s.catchUpLog,
		authorize: s.authorizeAs, admit: s.admit, running: s.running, logger: s.logger}
	jp.register(mux)
	mux.HandleFunc("/api", s.serveAPI)
	mux.HandleFunc("/api/", s.serveAPI)
	mux.HandleFunc("/apis", s.serveAPI)
	mux.HandleFunc("/apis/", s.serveAPI)
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
	})
	return withWarnings(s.guard(mux))
}

// serveAPI handles discovery documents and every resource path under /api
// and /apis.
func (s *Server) serveAPI(w http.ResponseWriter, r *http.Request) {
	parts := splitPath(r.URL.Path)
	var gv string
	var rest []string
	switch {
	case len(parts) == 1 && parts[0] == "api":
		s.discovery(w, r, "api")
		return
	case len(parts) == 1 && parts[0] == "apis":
		s.discovery(w, r, "apis")
		return
	case parts[0] == "api" && len(parts) >= 2:
		gv, rest = parts[1], parts[2:]
	case parts[0] == "apis" && len(parts) == 2:
		s.discoveryGroup(w, r, parts[1])
		return
	case parts[0] == "apis" && len(parts) >= 3:
		gv, rest = parts[1]+"/"+parts[2], parts[3:]
	default:
		writeError(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
		return
	}
	if len(rest) == 0 {
		s.discoveryResources(w, r, gv)
		return
	}
	if gv == apis.MetricsGroupVersion {
		s.serveMetrics(w, r, rest)
		return
	}
	if reviewGroups[gv] && len(rest) == 1 && s.serveReview(w, r, gv, rest[0]) {
		return
	}
	if gv == "v1" && len(rest) >= 5 && rest[0] == "namespaces" && rest[2] == "services" && rest[4] == "proxy" {
		s.serviceProxy(w, r, rest[1], rest[3], rest[5:])
		return
	}
	if gv == "v1" && len(rest) >= 5 && rest[0] == "namespaces" && rest[2] == "pods" && rest[4] == "proxy" {
		s.podProxy(w, r, rest[1], rest[3], rest[5:])
		return
	}
	t, ok := parseTarget(gv, rest)
	if !ok {
		writeError(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
		return
	}
	s.serveResource(w, r, t)
}

func splitPath(p string) []string {
	var out []string
	for _, s := range strings.Split(p, "/") {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

// lookupIn finds a resource served at group/version gv.
func lookupIn(gv, name string) (events.Resource, bool) {
	return events.LookupREST(gv, name)
}

// parseTarget reads {resource}[/{name}[/{sub}]] and
// namespaces/{ns}/{resource}[/{name}[/{sub}]].
func parseTarget(gv string, rest []string) (target, bool) {
	if len(rest) >= 3 && rest[0] == "namespaces" {
		if res, ok := lookupIn(gv, rest[2]); ok && res.Namespaced {
			t := target{res: res, namespace: rest[1]}
			return withName(t, rest[3:])
		}
	}
	res, ok := lookupIn(gv, rest[0])
	if !ok {
		return target{}, false
	}
	if res.Namespaced && len(rest) > 1 {
		return target{}, false // a namespaced object needs its namespace in the path
	}
	return withName(target{res: res}, rest[1:])
}

func withName(t target, rest []string) (target, bool) {
	switch len(rest) {
	case 0:
		return t, true
	case 1:
		t.name = rest[0]
		return t, true
	case 2:
		t.name, t.subresource = rest[0], rest[1]
		if t.subresource == "scale" && scalable[t.res.Name] {
			return t, true
		}
		for _, sub := range t.res.Subresources {
			if sub == t.subresource {
				return t, true
			}
		}
	}
	return t, false
}

// serveResource dispatches a resource request by method and shape.
// isWatch reads ?watch= as Kubernetes does (and apirequest, so RBAC sees
// the same verb): present and neither "0" nor "false".
func isWatch(r *http.Request) bool {
	v, ok := r.URL.Query()["watch"]
	return ok && len(v) > 0 && v[0] != "0" && !strings.EqualFold(v[0], "false")
}

// checkReadQuery refuses what a read cannot mean, as kube-apiserver does: a
// resourceVersion that is no sequence, a limit or continue token that is
// not one (paginate.go).
func checkReadQuery(r *http.Request) error {
	q := r.URL.Query()
	if rv := q.Get("resourceVersion"); rv != "" {
		if _, err := events.ParseRV(rv); err != nil {
			return apierrors.NewBadRequest(fmt.Sprintf("invalid resource version: %v", err))
		}
	}
	_, err := pageOf(r)
	return err
}

func (s *Server) serveResource(w http.ResponseWriter, r *http.Request, t target) {
	watching := isWatch(r)
	verb := verbOf(r.Method, t, watching)
	rec := s.metrics.start(w, verb, t.res.Name)
	defer rec.done()
	w = rec
	if r.Method == http.MethodGet {
		if err := checkReadQuery(r); err != nil {
			writeError(w, err)
			return
		}
	}
	switch {
	case t.res.Derived && (r.Method != http.MethodGet || (watching && t.res.Name != "endpointslices") || t.subresource != ""):
		// Derived from the log, never written; EndpointSlices are watchable
		// (watch_slices.go), Events not yet.
		writeError(w, apierrors.NewMethodNotSupported(t.res.GroupResource(), verb))
	case t.subresource == "scale":
		s.serveScale(w, r, t)
	case t.subresource == "log":
		s.podLog(w, r, t)
	case t.subresource == "exec" && t.res.Name == "pods":
		s.podExec(w, r, t)
	case t.subresource == "attach" && t.res.Name == "pods":
		s.podAttach(w, r, t)
	case t.subresource == "portforward" && t.res.Name == "pods":
		s.podPortForward(w, r, t)
	case t.subresource == "token":
		s.serviceAccountToken(w, r, t)
	case r.Method == http.MethodGet && watching:
		s.watch(w, r, t)
	case r.Method == http.MethodGet && t.name == "":
		s.list(w, r, t)
	case r.Method == http.MethodGet:
		s.get(w, r, t)
	case r.Method == http.MethodPost && t.name == "":
		s.create(w, r, t)
	case r.Method == http.MethodPut && t.name != "":
		s.update(w, r, t)
	case r.Method == http.MethodPatch && t.name != "":
		s.patch(w, r, t)
	case r.Method == http.MethodDelete && t.name != "" && t.subresource == "":
		s.delete(w, r, t)
	case r.Method == http.MethodDelete && t.name == "":
		s.deleteCollection(w, r, t)
	default:
		writeError(w, apierrors.NewMethodNotSupported(t.res.GroupResource(), strings.ToLower(r.Method)))
	}
}

// verbOf names the request the way Kubernetes' metrics and RBAC do.
func verbOf(method string, t target, watching bool) string {
	switch method {
	case http.MethodGet:
		switch {
		case watching:
			return "watch"
		case t.name == "":
			return "list"
		}
		return "get"
	case http.MethodPost:
		return "create"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		if t.name == "" {
			return "deletecollection"
		}
		return "delete"
	}
	return strings.ToLower(method)
}
