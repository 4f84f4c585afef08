package gateway

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv1 "k8s.io/api/autoscaling/v1"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDefaultNamespacesExist(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	for _, ns := range []string{"default", "kube-system", "kube-public"} {
		var got corev1.Namespace
		g.must(http.StatusOK, "GET", "/api/v1/namespaces/"+ns, nil).into(t, &got)
		if got.Name != ns || got.Kind != "Namespace" || got.APIVersion != "v1" || got.UID == "" {
			t.Fatalf("namespace %s: %+v", ns, got.ObjectMeta)
		}
	}
	st := g.must(http.StatusForbidden, "DELETE", "/api/v1/namespaces/default", nil).status(t)
	if st.Reason != metav1.StatusReasonForbidden {
		t.Fatalf("reason %s", st.Reason)
	}
	// A second gateway on the same log finds them and does not fail.
	if _, err := New(t.Context(), withAdmin(Config{Log: g.log, Instance: "second"})); err != nil {
		t.Fatalf("second gateway: %v", err)
	}
}

func TestCreateGetListPods(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	var created corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("web-1", map[string]string{"app": "web"}, "node-a")).into(t, &created)
	if created.UID == "" || created.ResourceVersion == "" || created.Generation != 1 || created.Namespace != "default" {
		t.Fatalf("created: %+v", created.ObjectMeta)
	}
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("db-1", map[string]string{"app": "db"}, ""))
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces", map[string]any{"metadata": map[string]any{"name": "other"}})
	g.must(http.StatusCreated, "POST", podsPath("other"), pod("web-2", map[string]string{"app": "web"}, ""))

	var got corev1.Pod
	g.must(http.StatusOK, "GET", podsPath("default")+"/web-1", nil).into(t, &got)
	if got.Kind != "Pod" || got.Spec.NodeName != "node-a" || got.ResourceVersion != created.ResourceVersion {
		t.Fatalf("get: %+v", got)
	}

	names := func(path string) []string {
		var l corev1.PodList
		g.must(http.StatusOK, "GET", path, nil).into(t, &l)
		if l.Kind != "PodList" || l.APIVersion != "v1" || l.ResourceVersion == "" {
			t.Fatalf("list type meta: %+v %+v", l.TypeMeta, l.ListMeta)
		}
		var out []string
		for _, p := range l.Items {
			out = append(out, p.Namespace+"/"+p.Name)
		}
		return out
	}
	cases := map[string]string{
		podsPath("default"):                                           "default/db-1,default/web-1",
		"/api/v1/pods":                                                "default/db-1,default/web-1,other/web-2",
		"/api/v1/pods?labelSelector=app%3Dweb":                        "default/web-1,other/web-2",
		podsPath("default") + "?labelSelector=app+in+(db,x)":          "default/db-1",
		podsPath("default") + "?fieldSelector=spec.nodeName%3Dnode-a": "default/web-1",
		"/api/v1/pods?fieldSelector=metadata.name%3Dweb-2":            "other/web-2",
		"/api/v1/pods?fieldSelector=metadata.namespace%21%3Ddefault":  "other/web-2",
		podsPath("default") + "?fieldSelector=status.phase%3DRunning": "",
	}
	for path, want := range cases {
		if got := strings.Join(names(path), ","); got != want {
			t.Errorf("%s: want %q, got %q", path, want, got)
		}
	}

	var l corev1.PodList
	g.must(http.StatusOK, "GET", "/api/v1/pods", nil).into(t, &l)
	if want := events.FormatRV(g.server.Projection().LastApplied()); l.ResourceVersion != want {
		t.Fatalf("list resourceVersion %s, want %s", l.ResourceVersion, want)
	}

	g.must(http.StatusBadRequest, "GET", "/api/v1/pods?fieldSelector=spec.hostname%3Dx", nil).status(t)
	st := g.must(http.StatusConflict, "POST", podsPath("default"), pod("web-1", nil, "")).status(t)
	if st.Reason != metav1.StatusReasonAlreadyExists {
		t.Fatalf("duplicate: %+v", st)
	}
	st = g.must(http.StatusNotFound, "POST", podsPath("nowhere"), pod("x", nil, "")).status(t)
	if st.Message != `namespaces "nowhere" not found` {
		t.Fatalf("missing namespace: %q", st.Message)
	}
	g.must(http.StatusBadRequest, "POST", podsPath("default"), deployment("wrong-kind", 1)).status(t)
	body := pod("elsewhere", nil, "")
	body["metadata"].(map[string]any)["namespace"] = "other"
	g.must(http.StatusBadRequest, "POST", podsPath("default"), body).status(t)

	gen := pod("", nil, "")
	gen["metadata"] = map[string]any{"generateName": "job-"}
	var generated corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), gen).into(t, &generated)
	if !strings.HasPrefix(generated.Name, "job-") || len(generated.Name) != len("job-")+5 {
		t.Fatalf("generated name %q", generated.Name)
	}
	g.must(http.StatusNotFound, "GET", podsPath("default")+"/nope", nil).status(t)
	g.must(http.StatusNotFound, "GET", "/api/v1/widgets", nil).status(t)
	g.must(http.StatusNotFound, "GET", "/apis/apps/v1/pods", nil).status(t)
}

func TestCreateAfterDeleteReusesName(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("again", nil, ""))
	g.must(http.StatusOK, "DELETE", podsPath("default")+"/again", nil)
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("again", nil, ""))
	g.must(http.StatusOK, "GET", podsPath("default")+"/again", nil)
}

func TestUpdateWithStaleResourceVersionConflicts(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	var p corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("p", nil, "")).into(t, &p)
	stale := p.ResourceVersion

	p.Labels = map[string]string{"tier": "front"}
	p.Status.Phase = corev1.PodRunning // ignored: status changes only through /status
	var updated corev1.Pod
	g.must(http.StatusOK, "PUT", podsPath("default")+"/p", p).into(t, &updated)
	if updated.ResourceVersion == stale || updated.Labels["tier"] != "front" || updated.Status.Phase == corev1.PodRunning {
		t.Fatalf("updated: %+v %+v", updated.ObjectMeta, updated.Status)
	}
	if updated.UID != p.UID || updated.Generation != 1 {
		t.Fatalf("identity or generation changed: %+v", updated.ObjectMeta)
	}

	p.Labels = map[string]string{"tier": "back"}
	st := g.must(http.StatusConflict, "PUT", podsPath("default")+"/p", p).status(t)
	if st.Reason != metav1.StatusReasonConflict || !strings.Contains(st.Message, "the object has been modified") {
		t.Fatalf("conflict: %+v", st)
	}
	// Without resourceVersion a built-in kind is replaced unconditionally,
	// as kube-apiserver's strategies allow.
	p.ResourceVersion = ""
	g.must(http.StatusOK, "PUT", podsPath("default")+"/p", p).into(t, &updated)
	if updated.Labels["tier"] != "back" {
		t.Fatalf("unconditional update: %+v", updated.ObjectMeta)
	}
	p.Name = "missing"
	p.ResourceVersion = "5"
	g.must(http.StatusNotFound, "PUT", podsPath("default")+"/missing", p).status(t)
}

func TestStatusSubresourceChangesOnlyStatus(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	var p corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("s", nil, "")).into(t, &p)
	p.Status.Phase = corev1.PodRunning
	p.Labels = map[string]string{"ignored": "yes"}
	var got corev1.Pod
	g.must(http.StatusOK, "PUT", podsPath("default")+"/s/status", p).into(t, &got)
	if got.Status.Phase != corev1.PodRunning || got.Labels["ignored"] != "" {
		t.Fatalf("status update: %+v %+v", got.ObjectMeta, got.Status)
	}
	ev := getEvent(t, g, got.ResourceVersion)
	if ev.Type != "dev.jetplane.pod.status" {
		t.Fatalf("event type %s", ev.Type)
	}
	g.must(http.StatusOK, "PATCH", podsPath("default")+"/s/status", `{"status":{"phase":"Succeeded"}}`,
		"Content-Type", "application/merge-patch+json").into(t, &got)
	if got.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("status patch: %+v", got.Status)
	}
	g.must(http.StatusOK, "GET", podsPath("default")+"/s/status", nil).into(t, &got)
	if got.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("status get: %+v", got.Status)
	}
}

func getEvent(t *testing.T, g *testGateway, rv string) *events.Event {
	t.Helper()
	seq, err := events.ParseRV(rv)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := g.log.Get(t.Context(), seq)
	if err != nil {
		t.Fatal(err)
	}
	return ev
}

func TestPatches(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	path := "/apis/apps/v1/namespaces/default/deployments"
	g.must(http.StatusCreated, "POST", path, deployment("web", 2))

	var d appsv1.Deployment
	g.must(http.StatusOK, "PATCH", path+"/web",
		`{"spec":{"template":{"spec":{"containers":[{"name":"web","image":"jetplane/hello:2"}]}}}}`,
		"Content-Type", "application/strategic-merge-patch+json").into(t, &d)
	cs := d.Spec.Template.Spec.Containers
	if len(cs) != 2 || cs[0].Name != "web" || cs[0].Image != "jetplane/hello:2" || cs[1].Name != "sidecar" || cs[1].Image != "jetplane/hello:1" {
		t.Fatalf("strategic merge: %+v", cs)
	}
	if d.Generation != 2 || d.Kind != "Deployment" {
		t.Fatalf("generation %d kind %q", d.Generation, d.Kind)
	}
	if ev := getEvent(t, g, d.ResourceVersion); ev.Change() != events.Updated {
		t.Fatalf("image change recorded as %s", ev.Type)
	}

	g.must(http.StatusOK, "PATCH", path+"/web", `[{"op":"replace","path":"/spec/replicas","value":5}]`,
		"Content-Type", "application/json-patch+json").into(t, &d)
	if *d.Spec.Replicas != 5 || d.Generation != 3 {
		t.Fatalf("json patch: replicas %d generation %d", *d.Spec.Replicas, d.Generation)
	}
	if ev := getEvent(t, g, d.ResourceVersion); ev.Type != "dev.jetplane.deployment.scaled" {
		t.Fatalf("replica change recorded as %s", ev.Type)
	}

	g.must(http.StatusOK, "PATCH", path+"/web", `{"metadata":{"labels":{"team":"blue"}}}`,
		"Content-Type", "application/merge-patch+json").into(t, &d)
	if d.Labels["team"] != "blue" || *d.Spec.Replicas != 5 || d.Generation != 3 {
		t.Fatalf("merge patch: %+v", d.ObjectMeta)
	}
	rv := d.ResourceVersion
	// The same patch again changes nothing and appends nothing.
	g.must(http.StatusOK, "PATCH", path+"/web", `{"metadata":{"labels":{"team":"blue"}}}`,
		"Content-Type", "application/merge-patch+json").into(t, &d)
	if d.ResourceVersion != rv {
		t.Fatalf("no-op patch moved resourceVersion %s → %s", rv, d.ResourceVersion)
	}
	// A patch carrying a stale resourceVersion is a precondition that fails.
	g.must(http.StatusConflict, "PATCH", path+"/web", `{"metadata":{"resourceVersion":"1","labels":{"team":"red"}}}`,
		"Content-Type", "application/merge-patch+json").status(t)
	g.must(http.StatusBadRequest, "PATCH", path+"/web", `{}`, "Content-Type", "application/apply-patch+yaml").status(t) // no fieldManager
	g.must(http.StatusUnsupportedMediaType, "PATCH", path+"/web", `{}`, "Content-Type", "application/apply-patch+cbor").status(t)
	g.must(http.StatusNotFound, "PATCH", path+"/nope", `{}`, "Content-Type", "application/merge-patch+json").status(t)
	g.must(http.StatusUnprocessableEntity, "PATCH", path+"/web", `[{"op":"test","path":"/spec/replicas","value":1}]`,
		"Content-Type", "application/json-patch+json").status(t)
}

func TestValidationErrorsAre422WithFieldPaths(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	bad := pod("bad", nil, "")
	bad["spec"] = map[string]any{"containers": []any{}}
	st := g.must(http.StatusUnprocessableEntity, "POST", podsPath("default"), bad).status(t)
	if st.Reason != metav1.StatusReasonInvalid || st.Details == nil || !hasCause(st, "spec.containers") {
		t.Fatalf("invalid pod: %+v", st)
	}
	noName := pod("", nil, "")
	st = g.must(http.StatusUnprocessableEntity, "POST", podsPath("default"), noName).status(t)
	if !hasCause(st, "metadata.name") {
		t.Fatalf("missing name: %+v", st)
	}
	g.must(http.StatusNotFound, "GET", podsPath("default")+"/bad", nil)
}

func hasCause(st metav1.Status, field string) bool {
	if st.Details == nil {
		return false
	}
	for _, c := range st.Details.Causes {
		if strings.HasPrefix(c.Field, field) {
			return true
		}
	}
	return false
}

func TestDeletePods(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("free", nil, ""))
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("bound", nil, "node-a"))

	var gone corev1.Pod
	g.must(http.StatusOK, "DELETE", podsPath("default")+"/free", nil).into(t, &gone)
	if ev := getEvent(t, g, gone.ResourceVersion); !ev.IsDelete() {
		t.Fatalf("unbound pod delete appended %s", ev.Type)
	}
	g.must(http.StatusNotFound, "GET", podsPath("default")+"/free", nil)
	g.must(http.StatusNotFound, "DELETE", podsPath("default")+"/free", nil)

	var term corev1.Pod
	g.must(http.StatusOK, "DELETE", podsPath("default")+"/bound", nil).into(t, &term)
	if term.DeletionTimestamp == nil {
		t.Fatalf("bound pod not terminating: %+v", term.ObjectMeta)
	}
	var got corev1.Pod
	g.must(http.StatusOK, "GET", podsPath("default")+"/bound", nil).into(t, &got)
	if got.DeletionTimestamp == nil || getEvent(t, g, got.ResourceVersion).Change() != events.Terminating {
		t.Fatalf("stored bound pod: %+v", got.ObjectMeta)
	}
	// A precondition that does not hold is a conflict.
	g.must(http.StatusConflict, "DELETE", podsPath("default")+"/bound",
		map[string]any{"preconditions": map[string]any{"uid": "not-it"}}).status(t)
	// Grace period 0 removes it at once.
	g.must(http.StatusOK, "DELETE", podsPath("default")+"/bound", map[string]any{"gracePeriodSeconds": 0})
	g.must(http.StatusNotFound, "GET", podsPath("default")+"/bound", nil)
}

func TestDeleteCollectionBySelector(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	for _, n := range []string{"a", "b", "c"} {
		app := "keep"
		if n != "c" {
			app = "drop"
		}
		g.must(http.StatusCreated, "POST", podsPath("default"), pod(n, map[string]string{"app": app}, ""))
	}
	var l corev1.PodList
	g.must(http.StatusOK, "DELETE", podsPath("default")+"?labelSelector=app%3Ddrop", nil).into(t, &l)
	if len(l.Items) != 2 {
		t.Fatalf("deleted %d", len(l.Items))
	}
	g.must(http.StatusOK, "GET", podsPath("default"), nil).into(t, &l)
	if len(l.Items) != 1 || l.Items[0].Name != "c" {
		t.Fatalf("left: %+v", l.Items)
	}
}

func TestReadYourWrites(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	for i := range 40 {
		name := "ryw-" + events.FormatRV(uint64(i))
		var p corev1.Pod
		g.must(http.StatusCreated, "POST", podsPath("default"), pod(name, nil, "")).into(t, &p)
		var got corev1.Pod
		g.must(http.StatusOK, "GET", podsPath("default")+"/"+name, nil).into(t, &got)
		if got.ResourceVersion != p.ResourceVersion {
			t.Fatalf("read %s after writing %s", got.ResourceVersion, p.ResourceVersion)
		}
	}
}

func TestTableForKubectlGet(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("row", nil, ""))
	accept := "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json"
	var tbl metav1.Table
	g.must(http.StatusOK, "GET", podsPath("default"), nil, "Accept", accept).into(t, &tbl)
	if tbl.Kind != "Table" || len(tbl.ColumnDefinitions) == 0 || tbl.ColumnDefinitions[0].Name != "Name" || len(tbl.Rows) != 1 {
		t.Fatalf("table: %+v", tbl)
	}
	if tbl.Rows[0].Cells[0] != "row" {
		t.Fatalf("row: %+v", tbl.Rows[0].Cells)
	}
	var meta metav1.PartialObjectMetadataList
	g.must(http.StatusOK, "GET", podsPath("default"), nil, "Accept",
		"application/json;as=PartialObjectMetadataList;g=meta.k8s.io;v=v1").into(t, &meta)
	if meta.Kind != "PartialObjectMetadataList" || len(meta.Items) != 1 || meta.Items[0].Name != "row" || meta.ResourceVersion == "" {
		t.Fatalf("metadata list: %+v", meta)
	}
	// Protobuf is answered with JSON.
	var p corev1.Pod
	r := g.must(http.StatusOK, "GET", podsPath("default")+"/row", nil, "Accept", "application/vnd.kubernetes.protobuf, application/json")
	r.into(t, &p)
	if r.header.Get("Content-Type") != "application/json" || p.Name != "row" {
		t.Fatalf("protobuf accept: %s %s", r.header.Get("Content-Type"), r.body)
	}
}

func TestTokenUserIsTheActor(t *testing.T) {
	t.Parallel()
	g := startGateway(t, map[string]string{"s3cret": "alice"})
	g.token = "s3cret"
	var p corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("mine", nil, "")).into(t, &p)
	if ev := getEvent(t, g, p.ResourceVersion); ev.Actor != "alice" || ev.Source != "jetplane/gateway/test" {
		t.Fatalf("actor %q source %q", ev.Actor, ev.Source)
	}
	g.token = "wrong"
	if st := g.must(http.StatusUnauthorized, "GET", podsPath("default"), nil).status(t); st.Reason != metav1.StatusReasonUnauthorized {
		t.Fatalf("unauthorized: %+v", st)
	}
	// No credentials: anonymous requests are off, so a 401 but for the
	// health and version endpoints.
	g.token = ""
	g.must(http.StatusUnauthorized, "POST", podsPath("default"), pod("anon", nil, ""))
	g.must(http.StatusOK, "GET", "/healthz", nil)
	g.must(http.StatusOK, "GET", "/version", nil)
}

// With anonymous requests on, system:anonymous is a user like any other:
// RBAC refuses it what nobody granted, and its writes are attributed to it.
func TestAnonymousIsSubjectToRBAC(t *testing.T) {
	t.Parallel()
	l := eventstest.Log(t)
	cfg := withAdmin(Config{Log: l, Instance: "test"})
	cfg.Anonymous = true
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(s.Handler())
	t.Cleanup(hs.Close)
	admin := &testGateway{t: t, log: l, server: s, http: hs, token: adminToken}
	anon := &testGateway{t: t, log: l, server: s, http: hs}
	st := anon.must(http.StatusForbidden, "POST", podsPath("default"), pod("anon", nil, "")).status(t)
	want := `pods is forbidden: User "system:anonymous" cannot create resource "pods" in API group "" in the namespace "default"`
	if st.Message != want {
		t.Fatalf("forbidden: %q, want %q", st.Message, want)
	}
	admin.must(http.StatusCreated, "POST", "/apis/rbac.authorization.k8s.io/v1/namespaces/default/rolebindings", map[string]any{
		"apiVersion": "rbac.authorization.k8s.io/v1", "kind": "RoleBinding",
		"metadata": map[string]any{"name": "anonymous-edits"},
		"roleRef":  map[string]any{"apiGroup": "rbac.authorization.k8s.io", "kind": "ClusterRole", "name": "edit"},
		"subjects": []map[string]any{{"kind": "User", "apiGroup": "rbac.authorization.k8s.io", "name": "system:anonymous"}}})
	var p corev1.Pod
	anon.must(http.StatusCreated, "POST", podsPath("default"), pod("anon", nil, "")).into(t, &p)
	if ev := getEvent(t, admin, p.ResourceVersion); ev.Actor != Anonymous {
		t.Fatalf("anonymous actor %q", ev.Actor)
	}
	// The binding is in default only.
	anon.must(http.StatusForbidden, "GET", podsPath("kube-system"), nil)
}

func TestDiscoveryVersionHealthMetrics(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	for _, p := range []string{"/api", "/api/v1", "/apis", "/apis/apps/v1", "/version", "/healthz", "/readyz", "/livez"} {
		g.must(http.StatusOK, "GET", p, nil)
	}
	var list metav1.APIResourceList
	g.must(http.StatusOK, "GET", "/api/v1", nil).into(t, &list)
	if list.GroupVersion != "v1" || len(list.APIResources) == 0 {
		t.Fatalf("api/v1: %+v", list)
	}
	if body := string(g.must(http.StatusOK, "GET", "/version", nil).body); !strings.Contains(body, `"gitVersion":"v1.32.0-jetplane"`) {
		t.Fatalf("version: %s", body)
	}
	g.must(http.StatusNotFound, "GET", "/openapi/v1", nil).status(t)
	g.must(http.StatusMethodNotAllowed, "PUT", podsPath("default"), pod("x", nil, "")).status(t)
	metrics := string(g.must(http.StatusOK, "GET", "/metrics", nil).body)
	if !strings.Contains(metrics, `apiserver_request_total{code="405",resource="pods",verb="update"} 1`) {
		t.Fatalf("metrics lack the request count:\n%s", metrics)
	}
}

func TestTwoGatewaysOnOneLog(t *testing.T) {
	t.Parallel()
	a := startGateway(t, nil)
	second, err := New(t.Context(), withAdmin(Config{Log: a.log, Instance: "b"}))
	if err != nil {
		t.Fatal(err)
	}
	b := &testGateway{t: t, log: a.log, server: second, http: httptest.NewServer(second.Handler()), token: adminToken}
	t.Cleanup(b.http.Close)
	for i := range 10 {
		name := fmt.Sprintf("shared-%d", i)
		var p corev1.Pod
		a.must(http.StatusCreated, "POST", podsPath("default"), pod(name, nil, "")).into(t, &p)
		// b may not have applied a's write yet; an update carrying a's
		// resourceVersion still succeeds.
		p.Labels = map[string]string{"via": "b"}
		b.must(http.StatusOK, "PUT", podsPath("default")+"/"+name, p)
		a.must(http.StatusOK, "DELETE", podsPath("default")+"/"+name, nil)
		b.must(http.StatusCreated, "POST", podsPath("default"), pod(name, nil, ""))
		// A read through a sees b's write at once: reads are consistent
		// with the log, not only with the gateway that wrote.
		a.must(http.StatusOK, "GET", podsPath("default")+"/"+name, nil)
		var l corev1.PodList
		a.must(http.StatusOK, "GET", podsPath("default"), nil).into(t, &l)
		if n := len(l.Items); n != i+1 {
			t.Fatalf("list through a after %d creates: %d pods", i+1, n)
		}
	}
}

func TestScaleSubresource(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	path := "/apis/apps/v1/namespaces/default/deployments"
	g.must(http.StatusCreated, "POST", path, deployment("sc", 2))
	var sc autoscalingv1.Scale
	g.must(http.StatusOK, "GET", path+"/sc/scale", nil).into(t, &sc)
	if sc.Kind != "Scale" || sc.Spec.Replicas != 2 || sc.Status.Selector != "app=sc" {
		t.Fatalf("scale: %+v", sc)
	}
	sc.Spec.Replicas = 4
	g.must(http.StatusOK, "PUT", path+"/sc/scale", sc).into(t, &sc)
	var d appsv1.Deployment
	g.must(http.StatusOK, "GET", path+"/sc", nil).into(t, &d)
	if *d.Spec.Replicas != 4 || d.ResourceVersion != sc.ResourceVersion {
		t.Fatalf("after scale: %d at %s, scale at %s", *d.Spec.Replicas, d.ResourceVersion, sc.ResourceVersion)
	}
	g.must(http.StatusConflict, "PUT", path+"/sc/scale", map[string]any{
		"metadata": map[string]any{"name": "sc", "resourceVersion": "1"}, "spec": map[string]any{"replicas": 1}})
	g.must(http.StatusUnprocessableEntity, "PATCH", path+"/sc/scale", `{"spec":{"replicas":-1}}`,
		"Content-Type", "application/merge-patch+json").status(t)
	g.must(http.StatusNotFound, "GET", podsPath("default")+"/x/scale", nil)
}
