package apirequest

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"k8s.io/apimachinery/pkg/api/validation/path"
	"k8s.io/apimachinery/pkg/fields"
)

// Info is what a request asks for, as Kubernetes' RequestInfo.
type Info struct {
	// ResourceRequest is false for non-resource paths (/healthz, /api).
	ResourceRequest bool
	// Path is the URL path as requested.
	Path string
	// Verb is the RBAC verb: get, list, watch, create, update, patch,
	// delete, deletecollection, proxy; for non-resource requests the
	// lower-cased HTTP method.
	Verb string

	APIPrefix  string // api or apis
	APIGroup   string // "" for the core group
	APIVersion string
	Namespace  string
	Resource   string
	// Subresource is status, scale, log, exec, proxy, token, ...
	Subresource string
	Name        string
	// Parts are the path's segments from the resource on
	// (namespaces/{ns} removed when it only scopes the resource).
	Parts []string
}

// Jetplane's own API group (gateway/jetplaneapi.Group; not imported, to
// keep this package free of the gateway's).
const jetplaneGroup = "jetplane.dev"

// specialVerbs are legacy path prefixes that name the verb.
var specialVerbs = []string{"proxy", "watch"}

// namespaceSubresources are namespaces/{ns}/<sub> that are subresources of
// the namespace rather than a namespaced resource.
var namespaceSubresources = []string{"status", "finalize"}

// FromRequest reads r.
func FromRequest(r *http.Request) (Info, error) {
	return Parse(r.Method, r.URL.Path, r.URL.Query())
}

// Parse reads a request's method, URL path and query. The only error is a
// legacy /watch or /proxy prefix with nothing after it.
func Parse(method, urlPath string, query url.Values) (Info, error) {
	info := Info{Path: urlPath, Verb: strings.ToLower(method)}
	parts := splitPath(urlPath)
	if len(parts) < 3 || (parts[0] != "api" && parts[0] != "apis") {
		return info, nil
	}
	prefix := parts[0]
	parts = parts[1:]
	if prefix == "apis" {
		// /apis/{group}/{version} alone is discovery, not a resource (a
		// non-resource Info carries only Path and Verb).
		if len(parts) < 3 {
			return info, nil
		}
		info.APIGroup, parts = parts[0], parts[1:]
	}
	info.APIPrefix = prefix
	info.ResourceRequest = true
	info.APIVersion, parts = parts[0], parts[1:]

	fromMethod := false
	if slices.Contains(specialVerbs, parts[0]) {
		if len(parts) < 2 {
			return info, fmt.Errorf("apirequest: unable to determine kind and namespace from url %s", urlPath)
		}
		info.Verb, parts = parts[0], parts[1:]
	} else {
		fromMethod = true
		info.Verb = methodVerb(method)
	}

	if parts[0] == "namespaces" && len(parts) > 1 {
		info.Namespace = parts[1]
		if len(parts) > 2 && !slices.Contains(namespaceSubresources, parts[2]) {
			parts = parts[2:]
		}
	}
	info.Parts = parts

	// resource/name/subresource/anything-else (a proxied path)
	if len(parts) >= 3 && info.Verb != "proxy" {
		info.Subresource = parts[2]
	}
	if len(parts) >= 2 {
		info.Name = parts[1]
	}
	info.Resource = parts[0]

	if fromMethod && info.Name == "" && info.Verb == "get" {
		info.Verb = "list"
		if watching(query) {
			info.Verb = "watch"
		}
		info.Name = nameOfFieldSelector(query)
	}
	if fromMethod && info.Name == "" && info.Verb == "delete" {
		info.Verb = "deletecollection"
	}
	if fromMethod && info.APIGroup == "" && info.Resource == "pods" && connectSubresources[info.Subresource] {
		// Entering a pod is create, over SPDY (POST) or WebSocket (GET), as
		// kube-apiserver authorizes it since the websocket upgrade check.
		info.Verb = "create"
	}
	if info.APIGroup == jetplaneGroup {
		jetplane(&info, method)
	}
	return info, nil
}

// connectSubresources are a pod's streams: whatever the method, RBAC's create.
var connectSubresources = map[string]bool{"exec": true, "attach": true, "portforward": true}

func methodVerb(method string) string {
	switch method {
	case http.MethodPost:
		return "create"
	case http.MethodGet, http.MethodHead:
		return "get"
	case http.MethodPut:
		return "update"
	case http.MethodPatch:
		return "patch"
	case http.MethodDelete:
		return "delete"
	}
	return "" // no verb RBAC can grant: the authorizer denies it
}

// watching reads watch as Kubernetes' query decoding does: present and not
// "0" or "false" (any case) means true.
func watching(q url.Values) bool {
	v, ok := q["watch"]
	return ok && len(v) > 0 && v[0] != "0" && !strings.EqualFold(v[0], "false")
}

// nameOfFieldSelector: a list or watch of metadata.name=<n> is about n, so
// RBAC's resourceNames can allow it (Kubernetes 1.27+).
func nameOfFieldSelector(q url.Values) string {
	s := q.Get("fieldSelector")
	if s == "" {
		return ""
	}
	sel, err := fields.ParseSelector(s)
	if err != nil {
		return ""
	}
	name, ok := sel.RequiresExactMatch("metadata.name")
	if !ok || len(path.IsValidPathSegmentName(name)) > 0 {
		return ""
	}
	return name
}

// jetplane maps Jetplane's own endpoints onto grantable resources (see the
// package doc). The generic rules above already fit restore and
// deployments/revisions.
func jetplane(info *Info, method string) {
	read := method == http.MethodGet || method == http.MethodHead
	switch info.Resource {
	case "history":
		// history/<resource>/<ns>/<name> or history/<resource>/<name>: the
		// object's namespace and name, not the generic reading that would
		// make the kind a name and the namespace a subresource.
		p := info.Parts
		info.Namespace, info.Name, info.Subresource = "", "", ""
		switch len(p) {
		case 4:
			info.Namespace, info.Name = p[2], p[3]
		case 3:
			info.Name = p[2]
		}
		if read {
			info.Verb = "get"
		}
	case "audit":
		// Following the stream is list too: the gateway follows on an SSE
		// Accept header alone, which a verb read from the query would miss,
		// and a watch of the whole log reveals nothing a list does not.
		if read {
			info.Verb = "list"
		}
	case "horizon":
		// One document, no collection.
		if read {
			info.Verb = "get"
		}
	}
}

func splitPath(p string) []string {
	p = strings.Trim(p, "/")
	if p == "" {
		return nil
	}
	return strings.Split(p, "/")
}
