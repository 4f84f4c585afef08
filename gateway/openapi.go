package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"sync"

	"github.com/jetplane/jetplane/customresources"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/sirupsen/logrus"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/kube-openapi/pkg/cached"
	"k8s.io/kube-openapi/pkg/handler"
	"k8s.io/kube-openapi/pkg/handler3"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// openAPIDocs serves /openapi/v2 and /openapi/v3 through kube-openapi's
// handlers (ETags, the v3 root's hashes, protobuf when a client asks for
// it, as kubectl does for v2). Each document is built on its first request
// and kept: the built-in kinds do not change while the gateway runs; the
// custom kinds' v3 documents follow their definitions (followCustom); v2
// documents the built-in kinds only.
type openAPIDocs struct {
	once   sync.Once
	routes map[string]http.Handler // exact paths
	prefix map[string]http.Handler // path prefixes
	v3     *handler3.OpenAPIService

	mu        sync.Mutex
	gvs       map[string]bool // built-in group versions, then custom ones
	custom    map[string]bool
	customGen uint64 // customresources.Generation the custom documents follow
}

// Handle and HandlePrefix let the kube-openapi services register on it.
func (d *openAPIDocs) Handle(path string, h http.Handler)       { d.routes[path] = h }
func (d *openAPIDocs) HandlePrefix(path string, h http.Handler) { d.prefix[path] = h }

func (d *openAPIDocs) init() {
	d.routes, d.prefix, d.gvs = map[string]http.Handler{}, map[string]http.Handler{}, map[string]bool{}
	v2 := handler.NewOpenAPIServiceLazy(cached.Once(cached.Func(func() (*spec.Swagger, string, error) {
		sw, err := apis.OpenAPIV2()
		if err != nil {
			logrus.WithError(err).WithField("service", "gateway").Error("openapi v2 document")
		}
		return sw, Version, err
	})))
	v2.RegisterOpenAPIVersionedService("/openapi/v2", d)
	v3 := handler3.NewOpenAPIService()
	d.v3, d.custom, d.customGen = v3, map[string]bool{}, ^uint64(0)
	for _, gv := range apis.OpenAPIV3GroupVersions() {
		d.gvs[gv] = true
		v3.UpdateGroupVersionLazy(gv, cached.Once(cached.Func(func() (*spec3.OpenAPI, string, error) {
			doc, err := apis.OpenAPIV3(gv)
			if err != nil {
				logrus.WithError(err).WithFields(logrus.Fields{"service": "gateway", "key": gv}).Error("openapi v3 document")
			}
			return doc, Version, err
		})))
	}
	_ = v3.RegisterOpenAPIV3VersionedService("/openapi/v3", d)
}

// followCustom brings the custom group versions' documents in step with
// the definitions served: each built on its next request.
func (d *openAPIDocs) followCustom() {
	d.mu.Lock()
	defer d.mu.Unlock()
	gen := customresources.Generation()
	if gen == d.customGen {
		return
	}
	d.customGen = gen
	now := map[string]bool{}
	for _, gv := range apis.OpenAPIV3CustomGroupVersions() {
		if d.gvs[gv] && !d.custom[gv] {
			continue // a built-in group version: custom kinds there are not documented
		}
		now[gv] = true
		d.v3.UpdateGroupVersionLazy(gv, cached.Once(cached.Func(func() (*spec3.OpenAPI, string, error) {
			doc, err := apis.OpenAPIV3Custom(gv)
			if err != nil {
				logrus.WithError(err).WithFields(logrus.Fields{"service": "gateway", "key": gv}).Error("openapi v3 document")
			}
			return doc, fmt.Sprint(gen), err
		})))
	}
	for gv := range d.custom {
		if !now[gv] {
			d.v3.DeleteGroupVersion(gv)
			delete(d.gvs, gv)
		}
	}
	for gv := range now {
		d.gvs[gv] = true
	}
	d.custom = now
}

func (d *openAPIDocs) served(gv string) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.gvs[gv]
}

// openAPI answers /openapi/v2, /openapi/v3 and its group-version
// documents; any other path under /openapi/ is not found.
func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	d := &s.openapi
	d.once.Do(d.init)
	d.followCustom()
	p := strings.TrimSuffix(r.URL.Path, "/")
	if h, ok := d.routes[p]; ok {
		h.ServeHTTP(w, r)
		return
	}
	if gv, ok := strings.CutPrefix(p, "/openapi/v3/"); ok && d.served(gv) {
		d.prefix["/openapi/v3/"].ServeHTTP(w, r)
		return
	}
	writeError(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
}
