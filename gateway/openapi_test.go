package gateway

import (
	"os"
	"strings"
	"testing"

	appsv1 "k8s.io/api/apps/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/strategicpatch"
	"k8s.io/client-go/discovery"
	"k8s.io/client-go/openapi3"
	"k8s.io/client-go/rest"
)

// client-go reads both documents as kubectl does: /openapi/v2 in protobuf
// (the discovery client asks for nothing else), /openapi/v3 through its
// root and per-group-version hashes; from v3 a strategic merge patch of a
// Deployment merges containers by name.
func TestOpenAPIDocumentsThroughClientGo(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	dc, err := discovery.NewDiscoveryClientForConfig(&rest.Config{Host: g.http.URL, BearerToken: adminToken})
	if err != nil {
		t.Fatal(err)
	}
	v2, err := dc.OpenAPISchema()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, d := range v2.GetDefinitions().GetAdditionalProperties() {
		found = found || d.GetName() == "io.k8s.api.core.v1.Pod"
	}
	if !found {
		t.Fatal("v2 (protobuf) has no io.k8s.api.core.v1.Pod")
	}
	root := openapi3.NewRoot(dc.OpenAPIV3())
	apps, err := root.GVSpec(schema.GroupVersion{Group: "apps", Version: "v1"})
	if err != nil {
		t.Fatal(err)
	}
	dep, ok := apps.Components.Schemas["io.k8s.api.apps.v1.Deployment"]
	if !ok {
		t.Fatal("v3 apps/v1 has no Deployment schema")
	}
	meta := strategicpatch.PatchMetaFromOpenAPIV3{Schema: dep, SchemaList: apps.Components.Schemas}
	original := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"a","image":"a:1"},{"name":"b","image":"b:1"}]}}}}`)
	patch := []byte(`{"spec":{"template":{"spec":{"containers":[{"name":"b","image":"b:2"}]}}}}`)
	merged, err := strategicpatch.StrategicMergePatchUsingLookupPatchMeta(original, patch, meta)
	if err != nil {
		t.Fatal(err)
	}
	if s := string(merged); !strings.Contains(s, `"a:1"`) || !strings.Contains(s, `"b:2"`) {
		t.Fatalf("merged by name? %s", s)
	}
	if _, err := root.GVSpec(schema.GroupVersion{Group: "nope", Version: "v1"}); err == nil {
		t.Fatal("a group version not served has a document")
	}
}

// The real kubectl explains fields from the server's schemas, and a
// manifest applied twice is unchanged the second time.
func TestKubectlExplainAndApplyTwice(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	k := newKubectl(t, g, adminToken)
	out := k.must("", "explain", "deploy.spec.strategy")
	if !strings.Contains(out, "rollingUpdate\t<RollingUpdateDeployment>") || !strings.Contains(out, "Recreate") {
		t.Fatalf("explain deploy.spec.strategy:\n%s", out)
	}
	if out := k.must("", "explain", "pods.spec.containers.image", "--output=plaintext-openapiv2"); !strings.Contains(out, "Container image name") {
		t.Fatalf("explain from v2:\n%s", out)
	}
	hello, err := os.ReadFile("../examples/hello.yaml")
	if err != nil {
		t.Fatal(err)
	}
	k.must(string(hello), "apply", "-f", "-")
	if out := k.must(string(hello), "apply", "-f", "-"); strings.Count(out, "unchanged") != 2 {
		t.Fatalf("second apply of examples/hello.yaml:\n%s", out)
	}
	var d appsv1.Deployment
	g.must(200, "GET", "/apis/apps/v1/namespaces/default/deployments/hello", nil).into(t, &d)
	if d.Generation != 1 {
		t.Fatalf("the second apply changed the Deployment: generation %d", d.Generation)
	}
}
