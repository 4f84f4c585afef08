package apis

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/jetplane/jetplane/customresources"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/openapischema"
	"k8s.io/kube-openapi/pkg/builder"
	"k8s.io/kube-openapi/pkg/builder3"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// The OpenAPI documents: the schemas are kube-openapi's definitions
// generated from k8s.io/api (openapischema), each top-level kind marked
// with its x-kubernetes-group-version-kind; the paths are the REST core's,
// one per resource and verb, each operation with its kind and action. With
// them `kubectl explain` has the field docs, kubectl computes strategic
// merge patches from the server's schemas, and it leaves field validation
// to the server (each PATCH names the fieldValidation parameter).

// modelNamed is an API type that knows its OpenAPI model name.
type modelNamed interface{ OpenAPIModelName() string }

// gvkExtension is the x-kubernetes-group-version-kind of a model: the kinds
// served under that Go type.
type gvkExtension map[string][]any

func (g gvkExtension) add(model, group, version, kind string) {
	g[model] = append(g[model], map[string]any{"group": group, "version": version, "kind": kind})
}

// servedKinds maps every served kind (and list kind) to its GVKs, plus the
// meta types each group version answers with (Status, DeleteOptions).
func servedKinds() gvkExtension {
	g := gvkExtension{}
	seen := map[string]bool{}
	for _, r := range events.Resources() {
		if m, ok := r.New().(modelNamed); ok {
			g.add(m.OpenAPIModelName(), r.Group, r.Version, r.Kind)
		}
		if m, ok := r.NewList().(modelNamed); ok {
			g.add(m.OpenAPIModelName(), r.Group, r.Version, r.ListKind)
		}
		if gv := r.GroupVersion(); !seen[gv] {
			seen[gv] = true
			g.add(metaModel("DeleteOptions"), r.Group, r.Version, "DeleteOptions")
		}
	}
	g.add(metaModel("Status"), "", "v1", "Status")
	g.add("io.k8s.api.autoscaling.v1.Scale", "autoscaling", "v1", "Scale")
	return g
}

func metaModel(kind string) string { return "io.k8s.apimachinery.pkg.apis.meta.v1." + kind }

// definitionNamer keeps openapi-gen's model names and adds the GVK
// extension to the served kinds.
func definitionNamer(kinds gvkExtension) func(string) (string, spec.Extensions) {
	return func(name string) (string, spec.Extensions) {
		if gvks, ok := kinds[name]; ok {
			return name, spec.Extensions{"x-kubernetes-group-version-kind": gvks}
		}
		return name, nil
	}
}

// OpenAPIV2 is the /openapi/v2 document: every served kind's schema and
// every REST path.
func OpenAPIV2() (*spec.Swagger, error) {
	kinds := servedKinds()
	sw, err := builder.BuildOpenAPIDefinitionsForResources(&common.Config{
		Info:              openAPIInfo(),
		GetDefinitions:    openapischema.GetOpenAPIDefinitions,
		GetDefinitionName: definitionNamer(kinds),
	}, modelNames(kinds)...)
	if err != nil {
		return nil, fmt.Errorf("openapi v2: %w", err)
	}
	var paths map[string]spec.PathItem
	if err := remarshal(restPaths("", swagger), &paths); err != nil {
		return nil, fmt.Errorf("openapi v2 paths: %w", err)
	}
	sw.Paths = &spec.Paths{Paths: paths}
	return sw, nil
}

// OpenAPIV3GroupVersions are the group-version paths ("api/v1",
// "apis/apps/v1") with a document.
func OpenAPIV3GroupVersions() []string {
	set := map[string]bool{}
	for _, r := range events.Resources() {
		if !r.Custom { // custom resources have no schema document yet
			set[openAPIPath(r)] = true
		}
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// OpenAPIV3 is the document of one group-version path: its paths and the
// schemas they reach (kubectl finds a kind's schema by its GVK extension).
func OpenAPIV3(gvPath string) (*spec3.OpenAPI, error) {
	kinds := servedKinds()
	var names []string
	for _, r := range events.Resources() {
		if openAPIPath(r) != gvPath {
			continue
		}
		for _, o := range []any{r.New(), r.NewList()} {
			if m, ok := o.(modelNamed); ok {
				names = append(names, m.OpenAPIModelName())
			}
		}
	}
	if len(names) == 0 {
		return nil, fmt.Errorf("openapi v3: no resources under %s", gvPath)
	}
	names = append(names, metaModel("Status"), metaModel("DeleteOptions"), metaModel("Patch"),
		"io.k8s.api.autoscaling.v1.Scale")
	schemas, err := builder3.BuildOpenAPIDefinitionsForResources(&common.OpenAPIV3Config{
		Info:              openAPIInfo(),
		GetDefinitions:    openapischema.GetOpenAPIDefinitions,
		GetDefinitionName: definitionNamer(kinds),
	}, names...)
	if err != nil {
		return nil, fmt.Errorf("openapi v3 %s: %w", gvPath, err)
	}
	var paths map[string]*spec3.Path
	if err := remarshal(restPaths(gvPath, openAPIV3), &paths); err != nil {
		return nil, fmt.Errorf("openapi v3 %s paths: %w", gvPath, err)
	}
	return &spec3.OpenAPI{Version: "3.0.0", Info: openAPIInfo(), Paths: &spec3.Paths{Paths: paths},
		Components: &spec3.Components{Schemas: schemas}}, nil
}

func openAPIInfo() *spec.Info {
	return &spec.Info{InfoProps: spec.InfoProps{Title: "Jetplane", Version: "v1.32.0-jetplane"}}
}

func modelNames(kinds gvkExtension) []string {
	out := make([]string, 0, len(kinds)+1)
	for n := range kinds {
		out = append(out, n)
	}
	sort.Strings(out)
	return append(out, metaModel("Patch"))
}

func openAPIPath(r events.Resource) string {
	if r.Group == "" {
		return "api/" + r.Version
	}
	return "apis/" + r.Group + "/" + r.Version
}

// remarshal turns the paths, built as plain maps, into kube-openapi's types.
func remarshal(in any, out any) error {
	b, err := json.Marshal(in)
	if err != nil {
		return err
	}
	return json.Unmarshal(b, out)
}

// operation describes one REST operation for the document builders.
type operation struct {
	id     string // operationId: verb + Kind (+ subresource)
	action string // x-kubernetes-action
	gvk    map[string]any
	body   string   // model of the request body, "" for none
	reply  string   // model of the 200 answer
	params []string // query parameters
	patch  bool     // a PATCH: the body is a patch in one of patchTypes
	custom bool     // of a custom kind: no strategic merge patches
}

// patchTypes are the PATCH bodies an operation takes.
func (o operation) patchTypes() []string {
	if o.custom {
		return customPatchTypes
	}
	return builtInPatchTypes
}

// builtInPatchTypes are the PATCH bodies the REST core takes; a custom
// kind takes no strategic merge patch (it has no patch strategies).
var (
	builtInPatchTypes = []string{"application/json-patch+json", "application/merge-patch+json",
		"application/strategic-merge-patch+json", "application/apply-patch+yaml"}
	customPatchTypes = []string{"application/json-patch+json", "application/merge-patch+json", "application/apply-patch+yaml"}
)

func ref(model, prefix string) map[string]any { return map[string]any{"$ref": prefix + model} }

// docFormat renders operations and parameters in one OpenAPI version.
type docFormat struct {
	op    func(operation) map[string]any
	param func(name, in string) map[string]any
}

var (
	swagger   = docFormat{op: swaggerOp, param: swaggerParam}
	openAPIV3 = docFormat{op: openAPIV3Op, param: openAPIV3Param}
)

func swaggerParam(name, in string) map[string]any {
	return map[string]any{"name": name, "in": in, "type": "string", "uniqueItems": true, "required": in == "path"}
}

func openAPIV3Param(name, in string) map[string]any {
	return map[string]any{"name": name, "in": in, "schema": map[string]any{"type": "string"}, "required": in == "path"}
}

// swaggerOp renders an operation as OpenAPI v2.
func swaggerOp(o operation) map[string]any {
	params := []any{}
	for _, p := range o.params {
		params = append(params, swaggerParam(p, "query"))
	}
	consumes := []string{"*/*"}
	if o.body != "" {
		params = append(params, map[string]any{"name": "body", "in": "body", "required": true,
			"schema": ref(o.body, "#/definitions/")})
		if o.patch {
			consumes = o.patchTypes()
		}
	}
	return map[string]any{
		"operationId": o.id, "x-kubernetes-action": o.action, "x-kubernetes-group-version-kind": o.gvk,
		"consumes": consumes, "produces": []string{"application/json", "application/yaml"},
		"parameters": params,
		"responses":  map[string]any{"200": map[string]any{"description": "OK", "schema": ref(o.reply, "#/definitions/")}},
	}
}

// openAPIV3Op renders an operation as OpenAPI v3.
func openAPIV3Op(o operation) map[string]any {
	params := []any{}
	for _, p := range o.params {
		params = append(params, openAPIV3Param(p, "query"))
	}
	op := map[string]any{
		"operationId": o.id, "x-kubernetes-action": o.action, "x-kubernetes-group-version-kind": o.gvk,
		"parameters": params,
		"responses": map[string]any{"200": map[string]any{"description": "OK", "content": map[string]any{
			"application/json": map[string]any{"schema": ref(o.reply, "#/components/schemas/")}}}},
	}
	if o.body != "" {
		types := []string{"*/*"}
		if o.patch {
			types = o.patchTypes()
		}
		content := map[string]any{}
		for _, t := range types {
			content[t] = map[string]any{"schema": ref(o.body, "#/components/schemas/")}
		}
		op["requestBody"] = map[string]any{"content": content, "required": true}
	}
	return op
}

// restPaths lists the REST core's paths under gvPath ("" for every group
// version), rendered in format f.
func restPaths(gvPath string, f docFormat) map[string]any {
	render := f.op
	paths := map[string]any{}
	for _, r := range events.Resources() {
		if gvPath != "" && openAPIPath(r) != gvPath || gvPath == "" && r.Custom {
			continue // v2 (every group version at once) documents the built-in kinds only
		}
		kind, list := modelOf(r.New()), modelOf(r.NewList())
		if d, ok := customresources.Lookup(r.Name); ok && r.Custom {
			kind = CustomModelName(d)
			list = kind + "List"
		}
		if kind == "" || list == "" {
			continue
		}
		collection := "/" + openAPIPath(r) + "/" + r.Plural()
		pathParams := []any{}
		if r.Namespaced {
			collection = "/" + openAPIPath(r) + "/namespaces/{namespace}/" + r.Plural()
			pathParams = append(pathParams, f.param("namespace", "path"))
		}
		gvk := map[string]any{"group": r.Group, "version": r.Version, "kind": r.Kind}
		op := func(verb, action, body, reply string, params ...string) map[string]any {
			return render(operation{id: verb + r.Kind, action: action, gvk: gvk, body: body, reply: reply,
				params: params, patch: verb == "patch", custom: r.Custom})
		}
		writes := !r.Derived
		coll := map[string]any{"parameters": pathParams,
			"get": op("list", "list", "", list, "labelSelector", "fieldSelector", "limit", "continue", "watch", "resourceVersion", "resourceVersionMatch")}
		if writes {
			coll["post"] = op("create", "post", kind, kind, "dryRun", "fieldManager", "fieldValidation")
			coll["delete"] = op("deletecollection", "deletecollection", metaModel("DeleteOptions"), metaModel("Status"), "labelSelector", "dryRun")
		}
		paths[collection] = coll
		itemParams := append(append([]any{}, pathParams...), f.param("name", "path"))
		item := map[string]any{"parameters": itemParams, "get": op("read", "get", "", kind)}
		if writes {
			item["put"] = op("replace", "put", kind, kind, "dryRun", "fieldManager", "fieldValidation")
			item["patch"] = op("patch", "patch", metaModel("Patch"), kind, "dryRun", "fieldManager", "fieldValidation", "force")
			item["delete"] = op("delete", "delete", metaModel("DeleteOptions"), metaModel("Status"), "dryRun", "gracePeriodSeconds", "propagationPolicy")
		}
		paths[collection+"/{name}"] = item
		for _, sub := range r.Subresources {
			model := map[string]string{"status": kind, "scale": "io.k8s.api.autoscaling.v1.Scale"}[sub]
			if model == "" {
				continue // log, exec and the like answer streams, not objects
			}
			suffix := strings.ToUpper(sub[:1]) + sub[1:]
			sop := func(verb, action, body string, params ...string) map[string]any {
				return render(operation{id: verb + r.Kind + suffix, action: action, gvk: gvk, body: body,
					reply: model, params: params, patch: verb == "patch", custom: r.Custom})
			}
			paths[collection+"/{name}/"+sub] = map[string]any{"parameters": itemParams,
				"get":   sop("read", "get", ""),
				"put":   sop("replace", "put", model, "dryRun", "fieldManager", "fieldValidation"),
				"patch": sop("patch", "patch", metaModel("Patch"), "dryRun", "fieldManager", "fieldValidation", "force"),
			}
		}
	}
	return paths
}

func modelOf(o any) string {
	if m, ok := o.(modelNamed); ok {
		return m.OpenAPIModelName()
	}
	return ""
}

// OpenAPIModels are the schemas of every served kind by model name, with
// their GVK extensions: what structured-merge-diff types objects by for
// server-side apply and managedFields.
func OpenAPIModels() (map[string]*spec.Schema, error) {
	base, err := builtInModels()
	if err != nil {
		return nil, err
	}
	out := make(map[string]*spec.Schema, len(base)+1)
	for name, s := range base {
		out[name] = s // shared and never changed: callers add to the map, not to its schemas
	}
	return out, nil
}

// builtInModels are the built-in kinds' definitions, built once (without
// the paths a document would add).
var builtInModels = sync.OnceValues(func() (map[string]*spec.Schema, error) {
	kinds := servedKinds()
	sw, err := builder.BuildOpenAPIDefinitionsForResources(&common.Config{
		Info:              openAPIInfo(),
		GetDefinitions:    openapischema.GetOpenAPIDefinitions,
		GetDefinitionName: definitionNamer(kinds),
	}, modelNames(kinds)...)
	if err != nil {
		return nil, fmt.Errorf("openapi models: %w", err)
	}
	out := make(map[string]*spec.Schema, len(sw.Definitions))
	for name, s := range sw.Definitions {
		out[name] = &s
	}
	return out, nil
})
