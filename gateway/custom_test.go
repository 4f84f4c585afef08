package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

// fooCRD is sample-controller's definition in the group of the test (the
// registry of kinds is one per process: tests in parallel keep theirs
// apart), with a default, a bound and
// the status subresource.
const fooCRDTemplate = `apiVersion: apiextensions.k8s.io/v1
kind: CustomResourceDefinition
metadata:
  name: foos.GROUP
  annotations: {api-approved.kubernetes.io: "unapproved, experimental-only"}
spec:
  group: GROUP
  scope: Namespaced
  names: {kind: Foo, plural: foos, singular: foo, listKind: FooList, shortNames: [fo]}
  versions:
  - name: v1alpha1
    served: true
    storage: true
    subresources:
      status: {}
      scale: {specReplicasPath: .spec.replicas, statusReplicasPath: .status.availableReplicas}
    additionalPrinterColumns:
    - {name: Deployment, type: string, jsonPath: .spec.deploymentName}
    - {name: Replicas, type: integer, jsonPath: .spec.replicas}
    schema:
      openAPIV3Schema:
        type: object
        properties:
          spec:
            type: object
            x-kubernetes-validations:
            - {rule: "!has(self.replicas) || self.replicas != 7", message: "replicas may not be 7"}
            properties:
              deploymentName: {type: string}
              replicas: {type: integer, minimum: 1, maximum: 10, default: 1}
          status:
            type: object
            properties:
              availableReplicas: {type: integer}
`

// The groups of the tests' definitions.
const (
	serveGroup = "serve.example.com"
	ssaGroup   = "ssa.example.com"
)

func fooCRD(group string) string  { return strings.ReplaceAll(fooCRDTemplate, "GROUP", group) }
func fooPath(group string) string { return "/apis/" + group + "/v1alpha1/namespaces/default/foos" }

// A CustomResourceDefinition serves its kind at once: discovery lists it,
// kubectl creates and lists its objects; the schema defaults, prunes what
// it does not know and refuses what breaks it (422 naming the field); the
// status subresource alone writes status.
func TestCustomResourceDefinitionServesItsKind(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	k := newKubectl(t, g, adminToken)
	k.must(fooCRD(serveGroup), "apply", "-f", "-")
	eventstest.Eventually(t, 10*time.Second, func() error {
		out, err := k.run("", "api-resources", "--api-group="+serveGroup)
		if err != nil || !strings.Contains(out, "foos") {
			return fmt.Errorf("api-resources: %v %s", err, out)
		}
		return nil
	})
	const withStray = "apiVersion: serve.example.com/v1alpha1\nkind: Foo\nmetadata: {name: example-foo}\nspec: {deploymentName: example-foo, stray: x}\n"
	// kubectl asks for strict field validation: an unknown field is an error...
	if out, err := k.run(withStray, "apply", "-f", "-"); err == nil || !strings.Contains(out, `unknown field "spec.stray"`) {
		t.Fatalf("strict apply of an unknown field: %v\n%s", err, out)
	}
	// ...which, merely warned about, is pruned.
	k.must(withStray, "apply", "-f", "-", "--validate=warn")
	var foo unstructured.Unstructured
	g.must(http.StatusOK, "GET", fooPath(serveGroup)+"/example-foo", nil).into(t, &foo)
	if r, _, _ := unstructured.NestedInt64(foo.Object, "spec", "replicas"); r != 1 {
		t.Fatalf("spec.replicas not defaulted: %v", foo.Object)
	}
	if _, found, _ := unstructured.NestedFieldNoCopy(foo.Object, "spec", "stray"); found {
		t.Fatalf("an unknown field was kept: %v", foo.Object)
	}
	if out := k.must("", "get", "foos."+serveGroup); !strings.Contains(out, "DEPLOYMENT") || !strings.Contains(out, "example-foo   example-foo   1") {
		t.Fatalf("kubectl get fo:\n%s", out)
	}
	bad := g.must(http.StatusUnprocessableEntity, "POST", fooPath(serveGroup), map[string]any{"apiVersion": serveGroup + "/v1alpha1",
		"kind": "Foo", "metadata": map[string]any{"name": "too-many"}, "spec": map[string]any{"replicas": 11}})
	if !strings.Contains(string(bad.body), "spec.replicas") {
		t.Fatalf("422 without the field: %s", bad.body)
	}
	// The schema's CEL rules (x-kubernetes-validations) hold too.
	bad = g.must(http.StatusUnprocessableEntity, "POST", fooPath(serveGroup), map[string]any{"apiVersion": serveGroup + "/v1alpha1",
		"kind": "Foo", "metadata": map[string]any{"name": "seven"}, "spec": map[string]any{"replicas": 7}})
	if !strings.Contains(string(bad.body), "replicas may not be 7") {
		t.Fatalf("422 without the rule's message: %s", bad.body)
	}
	// Status through the main resource is ignored; through /status it is kept.
	unstructured.SetNestedField(foo.Object, int64(5), "status", "availableReplicas")
	g.must(http.StatusOK, "PUT", fooPath(serveGroup)+"/example-foo", foo.Object).into(t, &foo)
	if _, found, _ := unstructured.NestedInt64(foo.Object, "status", "availableReplicas"); found {
		t.Fatalf("status written through the main resource: %v", foo.Object)
	}
	unstructured.SetNestedField(foo.Object, int64(5), "status", "availableReplicas")
	g.must(http.StatusOK, "PUT", fooPath(serveGroup)+"/example-foo/status", foo.Object).into(t, &foo)
	if n, _, _ := unstructured.NestedInt64(foo.Object, "status", "availableReplicas"); n != 5 {
		t.Fatalf("status not written through /status: %v", foo.Object)
	}
	// kubectl explains the kind from the definition's schema, and patches
	// it with a merge patch (a custom kind has no strategic one).
	if out := k.must("", "explain", "foos.spec.replicas", "--api-version="+serveGroup+"/v1alpha1"); !strings.Contains(out, "FIELD: replicas <integer>") {
		t.Fatalf("explain foo.spec.replicas:\n%s", out)
	}
	k.must("", "patch", "foos."+serveGroup, "example-foo", "-p", `{"spec":{"deploymentName":"renamed"}}`, "--type=merge")
	g.must(http.StatusUnsupportedMediaType, "PATCH", fooPath(serveGroup)+"/example-foo", `{"spec":{}}`, "Content-Type", "application/strategic-merge-patch+json")
	k.must("", "label", "foos."+serveGroup, "example-foo", "tier=a")
	g.must(http.StatusOK, "GET", fooPath(serveGroup)+"/example-foo", nil).into(t, &foo)
	// kubectl scale goes through the scale subresource the definition maps.
	k.must("", "scale", "foos."+serveGroup, "example-foo", "--replicas=4")
	g.must(http.StatusOK, "GET", fooPath(serveGroup)+"/example-foo", nil).into(t, &foo)
	if r, _, _ := unstructured.NestedInt64(foo.Object, "spec", "replicas"); r != 4 {
		t.Fatalf("scaled to %d, want 4", r)
	}
	var sc autoscalingv1.Scale
	g.must(http.StatusOK, "GET", fooPath(serveGroup)+"/example-foo/scale", nil).into(t, &sc)
	if sc.Spec.Replicas != 4 || sc.Status.Replicas != 5 {
		t.Fatalf("scale (status from availableReplicas): %+v", sc)
	}
	// A custom object, as in Kubernetes, is only replaced at a resourceVersion.
	foo.SetResourceVersion("")
	g.must(http.StatusUnprocessableEntity, "PUT", fooPath(serveGroup)+"/example-foo", foo.Object)
	// Deleting the definition deletes its objects, then stops serving it.
	k.must("", "delete", "crd", "foos."+serveGroup)
	eventstest.Eventually(t, 10*time.Second, func() error {
		if r := g.do("GET", fooPath(serveGroup)+"/example-foo", nil); r.code != http.StatusNotFound {
			return fmt.Errorf("the Foo after its definition's deletion: %d", r.code)
		}
		return nil
	})
	if last, err := g.log.LastFor(t.Context(), "foos."+serveGroup, "default", "example-foo"); err != nil || last == nil || !last.IsDelete() {
		t.Fatalf("the Foo's last event: %+v %v", last, err)
	}
	// An invalid definition is refused with the field named.
	bad = g.must(http.StatusUnprocessableEntity, "POST", "/apis/apiextensions.k8s.io/v1/customresourcedefinitions",
		map[string]any{"metadata": map[string]any{"name": "bars.example.com"}, "spec": map[string]any{"group": "example.com"}})
	if !strings.Contains(string(bad.body), "spec.names.plural") {
		t.Fatalf("invalid definition: %s", bad.body)
	}
}

// Server-side apply of a custom object: owned fields by the schema's
// structure, a conflict between two managers as for built-in kinds.
func TestServerSideApplyOfACustomObject(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	k := newKubectl(t, g, adminToken)
	k.must(fooCRD(ssaGroup), "apply", "--server-side", "-f", "-")
	eventstest.Eventually(t, 10*time.Second, func() error {
		_, err := k.run("", "get", "foos."+ssaGroup)
		return err
	})
	foo := "apiVersion: ssa.example.com/v1alpha1\nkind: Foo\nmetadata: {name: applied}\nspec: {deploymentName: applied, replicas: %s}\n"
	if out := k.must(fmt.Sprintf(foo, "2"), "apply", "--server-side", "-f", "-"); !strings.Contains(out, "serverside-applied") {
		t.Fatalf("apply: %s", out)
	}
	var u unstructured.Unstructured
	g.must(http.StatusOK, "GET", fooPath(ssaGroup)+"/applied", nil).into(t, &u)
	if m := u.GetManagedFields(); len(m) != 1 || !strings.Contains(string(m[0].FieldsV1.Raw), `"f:replicas"`) {
		t.Fatalf("managedFields: %+v", m)
	}
	out, err := k.run(fmt.Sprintf(foo, "3"), "apply", "--server-side", "--field-manager=other", "-f", "-")
	if err == nil || !strings.Contains(out, `conflict with "kubectl": .spec.replicas`) {
		t.Fatalf("second manager: %v %s", err, out)
	}
}
