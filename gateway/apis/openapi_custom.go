package apis

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/jetplane/jetplane/customresources"
	"github.com/jetplane/jetplane/openapischema"
	"k8s.io/kube-openapi/pkg/builder3"
	"k8s.io/kube-openapi/pkg/common"
	"k8s.io/kube-openapi/pkg/spec3"
	"k8s.io/kube-openapi/pkg/validation/spec"
)

// CustomModelName is the OpenAPI model of a custom kind, named as
// kube-apiserver names it: the reversed group, version and kind.
func CustomModelName(d *customresources.Definition) string {
	return reverseDomain(d.Resource.Group) + "." + d.Resource.Version + "." + d.Resource.Kind
}

func reverseDomain(group string) string {
	parts := strings.Split(group, ".")
	slices.Reverse(parts)
	return strings.Join(parts, ".")
}

// customSchema is a custom kind's schema as OpenAPI, with the GVK
// extension and metadata as ObjectMeta (as kube-apiserver publishes a
// CRD), its references under prefix ("#/definitions/" in v2 and for the
// type converter, "#/components/schemas/" in v3).
func customSchema(d *customresources.Definition, prefix string) (*spec.Schema, error) {
	s := &spec.Schema{}
	if v := d.Version.Schema; v != nil && v.OpenAPIV3Schema != nil {
		b, err := json.Marshal(v.OpenAPIV3Schema)
		if err != nil {
			return nil, fmt.Errorf("custom model %s: %w", d.Resource.Name, err)
		}
		if err := json.Unmarshal(b, s); err != nil {
			return nil, fmt.Errorf("custom model %s: %w", d.Resource.Name, err)
		}
	} else {
		s.Type = spec.StringOrArray{"object"}
		s.Extensions = spec.Extensions{"x-kubernetes-preserve-unknown-fields": true}
	}
	if s.Properties == nil {
		s.Properties = map[string]spec.Schema{}
	}
	s.Properties["apiVersion"] = *spec.StringProperty()
	s.Properties["kind"] = *spec.StringProperty()
	s.Properties["metadata"] = *spec.RefSchema(prefix + metaModel("ObjectMeta"))
	s.AddExtension("x-kubernetes-group-version-kind", []any{map[string]any{
		"group": d.Resource.Group, "version": d.Resource.Version, "kind": d.Resource.Kind}})
	return s, nil
}

// customListSchema is the schema of a custom kind's list.
func customListSchema(d *customresources.Definition, prefix string) *spec.Schema {
	s := &spec.Schema{}
	s.Type = spec.StringOrArray{"object"}
	s.Required = []string{"items"}
	s.Properties = map[string]spec.Schema{
		"apiVersion": *spec.StringProperty(), "kind": *spec.StringProperty(),
		"metadata": *spec.RefSchema(prefix + metaModel("ListMeta")),
		"items":    *spec.ArrayProperty(spec.RefSchema(prefix + CustomModelName(d))),
	}
	s.AddExtension("x-kubernetes-group-version-kind", []any{map[string]any{
		"group": d.Resource.Group, "version": d.Resource.Version, "kind": d.Resource.ListKind}})
	return s
}

// CustomModels are the models a custom kind is typed by (for managedFields
// and server-side apply): its schema beside every built-in model.
func CustomModels(d *customresources.Definition) (map[string]*spec.Schema, error) {
	models, err := OpenAPIModels()
	if err != nil {
		return nil, err
	}
	s, err := customSchema(d, "#/definitions/")
	if err != nil {
		return nil, err
	}
	models[CustomModelName(d)] = s
	return models, nil
}

// OpenAPIV3CustomGroupVersions are the group-version paths of the custom
// kinds served now.
func OpenAPIV3CustomGroupVersions() []string {
	set := map[string]bool{}
	for _, d := range customresources.All() {
		set[openAPIPath(d.Resource)] = true
	}
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out
}

// OpenAPIV3Custom is the document of a custom group version: its kinds'
// paths and schemas, beside the meta models they reach (kubectl explain
// reads it).
func OpenAPIV3Custom(gvPath string) (*spec3.OpenAPI, error) {
	schemas, err := builder3.BuildOpenAPIDefinitionsForResources(&common.OpenAPIV3Config{
		Info:              openAPIInfo(),
		GetDefinitions:    openapischema.GetOpenAPIDefinitions,
		GetDefinitionName: definitionNamer(servedKinds()),
	}, metaModel("ObjectMeta"), metaModel("ListMeta"), metaModel("Status"), metaModel("DeleteOptions"),
		metaModel("Patch"), "io.k8s.api.autoscaling.v1.Scale")
	if err != nil {
		return nil, fmt.Errorf("openapi v3 %s: %w", gvPath, err)
	}
	found := false
	for _, d := range customresources.All() {
		if openAPIPath(d.Resource) != gvPath {
			continue
		}
		s, err := customSchema(d, "#/components/schemas/")
		if err != nil {
			return nil, err
		}
		schemas[CustomModelName(d)], schemas[CustomModelName(d)+"List"] = s, customListSchema(d, "#/components/schemas/")
		found = true
	}
	if !found {
		return nil, fmt.Errorf("openapi v3: no custom kinds under %s", gvPath)
	}
	var paths map[string]*spec3.Path
	if err := remarshal(restPaths(gvPath, openAPIV3), &paths); err != nil {
		return nil, fmt.Errorf("openapi v3 %s paths: %w", gvPath, err)
	}
	return &spec3.OpenAPI{Version: "3.0.0", Info: openAPIInfo(), Paths: &spec3.Paths{Paths: paths},
		Components: &spec3.Components{Schemas: schemas}}, nil
}
