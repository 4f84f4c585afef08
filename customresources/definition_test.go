package customresources

import (
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"sigs.k8s.io/yaml"
)

const widgets = `
metadata: {name: widgets.defs.example.com}
spec:
  group: defs.example.com
  scope: Namespaced
  names: {kind: Widget, plural: widgets}
  versions:
  - name: v1
    served: true
    storage: true
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations: [{rule: "self.size != 13", message: "unlucky"}]
            properties:
              size: {type: integer, minimum: 1, default: 3}
`

func definition(t *testing.T, doc string) *apiextensionsv1.CustomResourceDefinition {
	t.Helper()
	crd := &apiextensionsv1.CustomResourceDefinition{}
	if err := yaml.Unmarshal([]byte(doc), crd); err != nil {
		t.Fatal(err)
	}
	return crd
}

// A definition is defaulted (singular, list kind, kube-apiserver's status)
// before it is validated; an invalid one names its fields.
func TestDefinitionsDefaultAndValidate(t *testing.T) {
	crd := definition(t, widgets)
	Default(crd, time.Unix(0, 0))
	if crd.Spec.Names.Singular != "widget" || crd.Spec.Names.ListKind != "WidgetList" || len(crd.Status.StoredVersions) != 1 {
		t.Fatalf("defaults: %+v %+v", crd.Spec.Names, crd.Status)
	}
	established := false
	for _, c := range crd.Status.Conditions {
		established = established || (c.Type == apiextensionsv1.Established && c.Status == apiextensionsv1.ConditionTrue)
	}
	if !established {
		t.Fatalf("conditions: %+v", crd.Status.Conditions)
	}
	if errs := Validate(crd, nil); len(errs) != 0 {
		t.Fatalf("a valid definition: %v", errs)
	}
	for _, c := range []struct{ name, doc, want string }{
		{"no names", "metadata: {name: x.example.com}\nspec: {group: example.com, scope: Namespaced}", "spec.names.plural"},
		{"name is not plural.group", strings.Replace(widgets, "name: widgets.defs.example.com", "name: gadgets.defs.example.com", 1), "metadata.name"},
		{"a protected group", strings.ReplaceAll(widgets, "defs.example.com", "defs.k8s.io"), "api-approved.kubernetes.io"},
	} {
		t.Run(c.name, func(t *testing.T) {
			bad := definition(t, c.doc)
			Default(bad, time.Unix(0, 0))
			if errs := Validate(bad, nil); !strings.Contains(errs.ToAggregate().Error(), c.want) {
				t.Fatalf("errors %v, want one naming %s", errs, c.want)
			}
		})
	}
}

// An object of a compiled definition: unknown fields found and pruned,
// defaults filled, the schema and its CEL rules checked.
func TestObjectsOfADefinition(t *testing.T) {
	crd := definition(t, widgets)
	Default(crd, time.Unix(0, 0))
	d, err := Compile(crd)
	if err != nil {
		t.Fatal(err)
	}
	obj := func(spec map[string]any) *unstructured.Unstructured {
		return &unstructured.Unstructured{Object: map[string]any{"apiVersion": "defs.example.com/v1", "kind": "Widget",
			"metadata": map[string]any{"name": "w", "namespace": "default"}, "spec": spec}}
	}
	o := obj(map[string]any{"stray": true})
	if u := d.UnknownFields(o); len(u) != 1 || u[0] != "spec.stray" {
		t.Fatalf("unknown fields: %v", u)
	}
	d.Default(o)
	if size, _, _ := unstructured.NestedInt64(o.Object, "spec", "size"); size != 3 {
		t.Fatalf("defaulted: %v", o.Object)
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(o.Object, "spec", "stray"); found {
		t.Fatalf("not pruned: %v", o.Object)
	}
	for _, c := range []struct {
		size int64
		want string
	}{{3, ""}, {0, "spec.size"}, {13, "unlucky"}} {
		errs := d.Validate(obj(map[string]any{"size": c.size}), nil)
		if got := errs.ToAggregate(); (c.want == "") != (got == nil) || got != nil && !strings.Contains(got.Error(), c.want) {
			t.Errorf("size %d: %v, want %q", c.size, got, c.want)
		}
	}
}

// Only the newest event of a definition changes what is served: an older
// one (a lagging projection's) neither brings back a forgotten definition
// nor replaces a newer one.
func TestSyncTakesOnlyNewerEvents(t *testing.T) {
	crd := definition(t, strings.ReplaceAll(widgets, "defs.example.com", "sync.example.com"))
	Default(crd, time.Unix(0, 0))
	crd.UID, crd.ResourceVersion = "u1", "10"
	if _, err := Sync(crd, 10); err != nil {
		t.Fatal(err)
	}
	defer Forget(crd.Name, 1<<62)
	if _, ok := events.Lookup("widgets.sync.example.com"); !ok {
		t.Fatal("not registered")
	}
	Forget(crd.Name, 5) // an older deletion
	if _, ok := Lookup(crd.Name); !ok {
		t.Fatal("an older deletion forgot a newer definition")
	}
	Forget(crd.Name, 20)
	if _, ok := events.Lookup("widgets.sync.example.com"); ok {
		t.Fatal("still registered after its deletion")
	}
	old := crd.DeepCopy()
	old.ObjectMeta = metav1.ObjectMeta{Name: crd.Name, UID: "u0"}
	if _, err := Sync(old, 15); err != nil {
		t.Fatal(err)
	}
	if _, ok := Lookup(crd.Name); ok {
		t.Fatal("a replayed older definition came back after the deletion")
	}
}
