package apis

import (
	"github.com/jetplane/jetplane/events"
)

// The OpenAPI v3 documents served here are the minimum kubectl reads to learn
// that the server validates fields itself (the fieldValidation parameter of
// each kind's PATCH operation). With that, `kubectl apply` and `create` leave
// validation to the server instead of downloading schemas: no
// --validate=false needed. They carry no schemas, so `kubectl explain` has
// nothing to show.

// OpenAPIV3Root is the /openapi/v3 discovery document: one entry per group
// version, "api/v1" or "apis/<group>/<version>".
func OpenAPIV3Root(hash string) map[string]any {
	paths := map[string]any{}
	for _, r := range events.Resources() {
		p := openAPIPath(r)
		paths[p] = map[string]any{"serverRelativeURL": "/openapi/v3/" + p + "?hash=" + hash}
	}
	return map[string]any{"paths": paths}
}

// OpenAPIV3 is the document of one group version path ("api/v1",
// "apis/apps/v1"), or false if no resource is served there.
func OpenAPIV3(gvPath string) (map[string]any, bool) {
	paths := map[string]any{}
	for _, r := range events.Resources() {
		if openAPIPath(r) != gvPath {
			continue
		}
		item := "/" + gvPath + "/" + r.Name + "/{name}"
		if r.Namespaced {
			item = "/" + gvPath + "/namespaces/{namespace}/" + r.Name + "/{name}"
		}
		gvk := map[string]any{"group": r.Group, "version": r.Version, "kind": r.Kind}
		op := func(id string, params ...map[string]any) map[string]any {
			return map[string]any{
				"operationId":                     id + r.Kind,
				"x-kubernetes-group-version-kind": gvk,
				"parameters":                      params,
				"responses":                       map[string]any{"200": map[string]any{"description": "OK"}},
			}
		}
		paths[item] = map[string]any{
			"get":    op("read"),
			"put":    op("replace", queryParam("fieldValidation"), queryParam("dryRun")),
			"patch":  op("patch", queryParam("fieldValidation"), queryParam("dryRun"), queryParam("force")),
			"delete": op("delete", queryParam("dryRun")),
		}
	}
	if len(paths) == 0 {
		return nil, false
	}
	return map[string]any{
		"openapi": "3.0.0",
		"info":    map[string]any{"title": "Jetplane", "version": "v1.32.0-jetplane"},
		"paths":   paths,
	}, true
}

func openAPIPath(r events.Resource) string {
	if r.Group == "" {
		return "api/" + r.Version
	}
	return "apis/" + r.Group + "/" + r.Version
}

func queryParam(name string) map[string]any {
	return map[string]any{"name": name, "in": "query", "schema": map[string]any{"type": "string"}, "uniqueItems": true}
}
