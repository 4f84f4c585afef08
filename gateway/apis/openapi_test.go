package apis

import (
	"testing"
)

// Every group version's document builds: each schema the served kinds
// reach was generated (a field of batch/v1 reaches scheduling's types).
// The kinds carry their GVK, and a Deployment's containers their patch
// strategy and merge key, as kube-apiserver publishes them.
func TestOpenAPIDocumentsCarryTheServedKinds(t *testing.T) {
	sw, err := OpenAPIV2()
	if err != nil {
		t.Fatal(err)
	}
	dep, ok := sw.Definitions["io.k8s.api.apps.v1.Deployment"]
	if !ok {
		t.Fatalf("v2: no Deployment among %d definitions", len(sw.Definitions))
	}
	if gvks, _ := dep.Extensions["x-kubernetes-group-version-kind"].([]any); len(gvks) != 1 {
		t.Fatalf("v2 Deployment GVK: %v", dep.Extensions)
	}
	for _, gv := range OpenAPIV3GroupVersions() {
		doc, err := OpenAPIV3(gv)
		if err != nil {
			t.Fatal(err)
		}
		if len(doc.Paths.Paths) == 0 || len(doc.Components.Schemas) == 0 {
			t.Fatalf("%s: %d paths, %d schemas", gv, len(doc.Paths.Paths), len(doc.Components.Schemas))
		}
	}
	doc, err := OpenAPIV3("api/v1")
	if err != nil {
		t.Fatal(err)
	}
	containers := doc.Components.Schemas["io.k8s.api.core.v1.PodSpec"].Properties["containers"]
	if containers.Extensions["x-kubernetes-patch-merge-key"] != "name" || containers.Extensions["x-kubernetes-patch-strategy"] != "merge" {
		t.Fatalf("PodSpec.containers: %v", containers.Extensions)
	}
	patch := doc.Paths.Paths["/api/v1/namespaces/{namespace}/endpoints/{name}"].Patch
	if patch == nil || patch.RequestBody.Content["application/strategic-merge-patch+json"] == nil {
		t.Fatalf("endpoints PATCH: %+v", patch)
	}
}
