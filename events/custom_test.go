package events_test

import (
	"testing"

	"github.com/jetplane/jetplane/events"
)

// A kind two groups have is found unambiguously by group and kind; by kind
// alone it is the core group's. A custom kind registers beside the
// built-ins and goes again; a built-in's name cannot be taken.
func TestRegistryOfKinds(t *testing.T) {
	if r, ok := events.LookupKind("Event"); !ok || r.Name != "events" {
		t.Fatalf("Event by kind: %+v", r)
	}
	if r, ok := events.LookupGroupKind("events.k8s.io", "Event"); !ok || r.Name != "events.events.k8s.io" || r.Plural() != "events" {
		t.Fatalf("Event of events.k8s.io: %+v", r)
	}
	foo := events.CustomResource("registry.example.com", "v1", "deployments", "deployment", "Deployment", "DeploymentList", true, nil, nil)
	if err := events.Register(foo); err != nil {
		t.Fatal(err)
	}
	defer events.Unregister(foo.Name)
	if r, _ := events.LookupKind("Deployment"); r.Group != "apps" {
		t.Fatalf("Deployment by kind alone is apps': %+v", r)
	}
	if r, ok := events.LookupGroupKind("registry.example.com", "Deployment"); !ok || !r.Custom {
		t.Fatalf("the custom Deployment: %+v", r)
	}
	if r, ok := events.LookupREST("registry.example.com/v1", "deployments"); !ok || r.Name != "deployments.registry.example.com" {
		t.Fatalf("REST lookup of the custom kind: %+v", r)
	}
	if err := events.Register(events.Resource{Name: "events.events.k8s.io", Custom: true}); err == nil {
		t.Fatal("a built-in's name was taken")
	}
	events.Unregister(foo.Name)
	if _, ok := events.Lookup(foo.Name); ok {
		t.Fatal("still registered after Unregister")
	}
}
