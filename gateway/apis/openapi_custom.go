package apis

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"

	"github.com/jetplane/jetplane/customresources"
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

// CustomModels are the models a custom kind is typed by: its schema as
// OpenAPI, with the GVK extension and metadata as ObjectMeta (as
// kube-apiserver publishes a CRD), beside every built-in model it refers to.
func CustomModels(d *customresources.Definition) (map[string]*spec.Schema, error) {
	models, err := OpenAPIModels()
	if err != nil {
		return nil, err
	}
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
	s.Properties["metadata"] = *spec.RefSchema("#/definitions/" + metaModel("ObjectMeta"))
	s.AddExtension("x-kubernetes-group-version-kind", []any{map[string]any{
		"group": d.Resource.Group, "version": d.Resource.Version, "kind": d.Resource.Kind}})
	models[CustomModelName(d)] = s
	return models, nil
}
