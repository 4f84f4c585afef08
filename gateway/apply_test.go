package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"

	appsv1 "k8s.io/api/apps/v1"
)

const ssaManifest = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: ssa
  labels: {app: ssa}
spec:
  replicas: %d
  selector: {matchLabels: {app: ssa}}
  template:
    metadata: {labels: {app: ssa}}
    spec:
      containers:
      - name: hello
        image: jetplane/hello:1
`

func ssa(replicas string) string { return strings.Replace(ssaManifest, "%d", replicas, 1) }

// kubectl apply --server-side: the first creates, the same again changes
// nothing; a second manager setting another value of a field the first
// owns conflicts with kube-apiserver's message, and takes it over with
// --force-conflicts; kubectl diff --server-side shows a change before it
// is made and makes none.
func TestKubectlServerSideApply(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	k := newKubectl(t, g, adminToken)
	if out := k.must(ssa("2"), "apply", "--server-side", "-f", "-"); !strings.Contains(out, "deployment.apps/ssa serverside-applied") {
		t.Fatalf("first apply: %s", out)
	}
	var first, d appsv1.Deployment
	g.must(200, "GET", "/apis/apps/v1/namespaces/default/deployments/ssa", nil).into(t, &first)
	if len(first.ManagedFields) != 1 || first.ManagedFields[0].Manager != "kubectl" || first.ManagedFields[0].Operation != "Apply" {
		t.Fatalf("managedFields after the first apply: %+v", first.ManagedFields)
	}
	k.must(ssa("2"), "apply", "--server-side", "-f", "-")
	g.must(200, "GET", "/apis/apps/v1/namespaces/default/deployments/ssa", nil).into(t, &d)
	if d.ResourceVersion != first.ResourceVersion {
		t.Fatalf("the same apply again moved resourceVersion %s → %s", first.ResourceVersion, d.ResourceVersion)
	}
	out, err := k.run(ssa("3"), "apply", "--server-side", "--field-manager=other", "-f", "-")
	if err == nil || !strings.Contains(out, `Apply failed with 1 conflict: conflict with "kubectl": .spec.replicas`) {
		t.Fatalf("a second manager's apply: %v\n%s", err, out)
	}
	out, err = k.run(ssa("4"), "diff", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-")
	if err == nil || !strings.Contains(out, "-  replicas: 2") || !strings.Contains(out, "+  replicas: 4") {
		t.Fatalf("diff --server-side (exit 1 with a diff): %v\n%s", err, out)
	}
	k.must(ssa("3"), "apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", "-")
	g.must(200, "GET", "/apis/apps/v1/namespaces/default/deployments/ssa", nil).into(t, &d)
	owners := map[string]string{}
	for _, m := range d.ManagedFields {
		owners[m.Manager] = string(m.FieldsV1.Raw)
	}
	if *d.Spec.Replicas != 3 || !strings.Contains(owners["other"], `"f:replicas"`) || strings.Contains(owners["kubectl"], `"f:replicas"`) {
		t.Fatalf("after the forced apply: replicas %d, owners %v", *d.Spec.Replicas, owners)
	}
	// A client-side update is tracked too, under its own manager.
	k.must("", "label", "deploy/ssa", "tier=web")
	g.must(200, "GET", "/apis/apps/v1/namespaces/default/deployments/ssa", nil).into(t, &d)
	found := false
	for _, m := range d.ManagedFields {
		found = found || (m.Operation == "Update" && strings.Contains(string(m.FieldsV1.Raw), `"f:tier"`))
	}
	if !found {
		t.Fatalf("kubectl label is not tracked: %+v", d.ManagedFields)
	}
}

// An apply that would create needs the right to create: a user who may
// only patch ConfigMaps applies to an existing one and creates none.
func TestApplyCreatesOnlyWithTheRightToCreate(t *testing.T) {
	t.Parallel()
	g := startGatewayUnbound(t, map[string]string{"tok-pat": "pat"})
	g.must(http.StatusCreated, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterroles", map[string]any{
		"metadata": map[string]any{"name": "cm-patcher"},
		"rules":    []map[string]any{{"apiGroups": []string{""}, "resources": []string{"configmaps"}, "verbs": []string{"get", "patch"}}}})
	g.must(http.StatusCreated, "POST", "/apis/rbac.authorization.k8s.io/v1/clusterrolebindings", map[string]any{
		"metadata": map[string]any{"name": "pat-patches"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "cm-patcher"},
		"subjects": []map[string]any{{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "pat"}}})
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/configmaps", map[string]any{"metadata": map[string]any{"name": "there"}})
	apply := func(name string) response {
		return g.do("PATCH", "/api/v1/namespaces/default/configmaps/"+name+"?fieldManager=pat",
			"apiVersion: v1\nkind: ConfigMap\nmetadata: {name: "+name+"}\ndata: {k: v}\n",
			"Content-Type", "application/apply-patch+yaml", "Authorization", "Bearer tok-pat")
	}
	eventstest.Eventually(t, 10*time.Second, func() error {
		if r := apply("there"); r.code != http.StatusOK {
			return fmt.Errorf("apply to an existing ConfigMap: %d %s", r.code, r.body)
		}
		return nil
	})
	if r := apply("new"); r.code != http.StatusForbidden {
		t.Fatalf("apply creating a ConfigMap without create: %d %s", r.code, r.body)
	}
	g.must(http.StatusNotFound, "GET", "/api/v1/namespaces/default/configmaps/new", nil)
}
