package apis

import (
	"fmt"
	"time"

	"github.com/jetplane/jetplane/customresources"
	"github.com/jetplane/jetplane/events"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// defaultCustom fills the defaults of a definition, and of a custom object
// from its definition's schema (pruning what the schema does not know).
func defaultCustom(res events.Resource, obj events.Object) {
	switch o := obj.(type) {
	case *apiextensionsv1.CustomResourceDefinition:
		customresources.Default(o, time.Now())
	case *unstructured.Unstructured:
		if d, ok := customresources.Lookup(res.Name); ok {
			d.Default(o)
		}
	}
}

// validateCustom checks a definition, or a custom object against its
// definition's schema.
func validateCustom(res events.Resource, obj, old events.Object) field.ErrorList {
	switch o := obj.(type) {
	case *apiextensionsv1.CustomResourceDefinition:
		prev, _ := old.(*apiextensionsv1.CustomResourceDefinition)
		return customresources.Validate(o, prev)
	case *unstructured.Unstructured:
		d, ok := customresources.Lookup(res.Name)
		if !ok {
			// Fail closed: a custom object is stored only as its schema allows.
			return field.ErrorList{field.InternalError(field.NewPath(""), fmt.Errorf("no definition serves %s", res.Name))}
		}
		prev, _ := old.(*unstructured.Unstructured)
		return d.Validate(o, prev)
	}
	return nil
}
