package events

import (
	"fmt"
	"sort"
	"strings"
	"sync"
	"sync/atomic"

	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// catalog is the registry as readers see it: the built-in resources and
// the custom ones registered since. It is never changed, only replaced
// (Register, Unregister), so a lookup takes no lock.
type catalog struct {
	byName map[string]Resource
	byKind map[string]Resource
	list   []Resource
}

var (
	current  atomic.Pointer[catalog]
	customMu sync.Mutex
	customs  = map[string]Resource{} // by name; guarded by customMu
)

func init() { current.Store(newCatalog(builtIn(), nil)) }

func newCatalog(builtins []Resource, custom map[string]Resource) *catalog {
	c := &catalog{byName: map[string]Resource{}, byKind: map[string]Resource{}}
	for _, r := range builtins {
		c.byName[r.Name] = r
		// A kind two groups have is the core group's by its kind alone
		// (Event: core/v1's, not events.k8s.io's).
		if prev, taken := c.byKind[strings.ToLower(r.Kind)]; !taken || (prev.Group != "" && r.Group == "") {
			c.byKind[strings.ToLower(r.Kind)] = r
		}
		c.byKind[strings.ToLower(r.Kind)+"."+r.Group] = r
		c.list = append(c.list, r)
	}
	for _, r := range custom {
		c.byName[r.Name] = r
		kind := strings.ToLower(r.Kind)
		if _, taken := c.byKind[kind]; !taken {
			c.byKind[kind] = r
		}
		c.byKind[kind+"."+r.Group] = r
		c.list = append(c.list, r)
	}
	sort.Slice(c.list, func(i, j int) bool { return c.list[i].Name < c.list[j].Name })
	return c
}

// CustomResource describes the resource a CustomResourceDefinition
// defines, served at its storage version. Its objects are unstructured.
func CustomResource(group, version, plural, singular, kind, listKind string, namespaced bool, shortNames, subresources []string) Resource {
	gv := schema.GroupVersion{Group: group, Version: version}
	return Resource{Name: plural + "." + group, Singular: singular, Kind: kind, ListKind: listKind,
		Group: group, Version: version, Namespaced: namespaced, ShortNames: shortNames,
		Subresources: subresources, Verbs: allVerbs, Custom: true,
		New: func() Object {
			u := &unstructured.Unstructured{}
			u.SetGroupVersionKind(gv.WithKind(kind))
			return u
		},
		NewList: func() runtime.Object {
			l := &unstructured.UnstructuredList{}
			l.SetGroupVersionKind(gv.WithKind(listKind))
			return l
		},
	}
}

// Register adds or replaces a custom resource: from then on its events
// decode, its objects are projected and served.
func Register(r Resource) error {
	if !r.Custom || !strings.Contains(r.Name, ".") {
		return fmt.Errorf("events: register %q: only custom resources (plural.group) are registered", r.Name)
	}
	customMu.Lock()
	defer customMu.Unlock()
	for _, b := range registry {
		if b.Name == r.Name {
			return fmt.Errorf("events: register %q: a built-in resource has that name", r.Name)
		}
	}
	customs[r.Name] = r
	current.Store(newCatalog(builtIn(), customs))
	return nil
}

// Unregister removes a custom resource.
func Unregister(name string) {
	customMu.Lock()
	defer customMu.Unlock()
	if _, ok := customs[name]; !ok {
		return
	}
	delete(customs, name)
	current.Store(newCatalog(builtIn(), customs))
}

// Plural is the resource's name in REST paths and RBAC rules: Name, less
// the group of a name qualified by it (custom resources, and events.k8s.io's
// events beside core/v1's).
func (r Resource) Plural() string {
	if r.Group != "" {
		return strings.TrimSuffix(r.Name, "."+r.Group)
	}
	return r.Name
}

// LookupGroupKind finds the resource of a kind in a group ("" for core):
// what an owner reference's apiVersion and kind name, unambiguously.
func LookupGroupKind(group, kind string) (Resource, bool) {
	r, ok := current.Load().byKind[strings.ToLower(kind)+"."+group]
	return r, ok
}
