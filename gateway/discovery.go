package gateway

import (
	"fmt"
	"net/http"
	"runtime"

	"github.com/jetplane/jetplane/gateway/apis"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/version"
)

// Version is the Kubernetes version Jetplane's API imitates.
const Version = "v1.32.0-jetplane"

func (s *Server) health(w http.ResponseWriter, r *http.Request) {
	select {
	case <-s.proj.Done():
		http.Error(w, "projection stopped", http.StatusServiceUnavailable)
		return
	default:
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok"))
}

func (s *Server) version(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, version.Info{
		Major: "1", Minor: "32", GitVersion: Version, GitTreeState: "clean",
		GoVersion: runtime.Version(), Compiler: runtime.Compiler,
		Platform: fmt.Sprintf("%s/%s", runtime.GOOS, runtime.GOARCH),
	})
}

// discovery answers /api and /apis. Plain application/json makes clients
// that ask for aggregated discovery fall back to these legacy documents.
func (s *Server) discovery(w http.ResponseWriter, r *http.Request, root string) {
	if root == "api" {
		v := apis.APIVersions()
		v.Kind, v.APIVersion = "APIVersions", ""
		writeJSON(w, http.StatusOK, v)
		return
	}
	l := apis.APIGroupList()
	l.Kind, l.APIVersion = "APIGroupList", "v1"
	writeJSON(w, http.StatusOK, l)
}

// discoveryGroup answers /apis/{group} with that group's APIGroup.
func (s *Server) discoveryGroup(w http.ResponseWriter, r *http.Request, group string) {
	for _, g := range apis.APIGroupList().Groups {
		if g.Name == group {
			g.Kind, g.APIVersion = "APIGroup", "v1"
			writeJSON(w, http.StatusOK, g)
			return
		}
	}
	writeError(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
}

// discoveryResources answers /api/v1 and /apis/{group}/{version}.
func (s *Server) discoveryResources(w http.ResponseWriter, r *http.Request, gv string) {
	l, ok := apis.APIResourceList(gv)
	if !ok {
		writeError(w, apierrors.NewNotFound(schema.GroupResource{}, r.URL.Path))
		return
	}
	l.Kind, l.APIVersion = "APIResourceList", "v1"
	writeJSON(w, http.StatusOK, l)
}
