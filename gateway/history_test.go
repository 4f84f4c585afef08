package gateway

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	appsv1 "k8s.io/api/apps/v1"
)

func TestHistoryListsEveryChangeWithActorsAndDiffs(t *testing.T) {
	t.Parallel()
	g := startGateway(t, map[string]string{"tok-alice": "alice", "tok-bob": "bob"})
	path := "/apis/apps/v1/namespaces/default/deployments"
	g.token = "tok-alice"
	g.must(http.StatusCreated, "POST", path, deployment("web", 2))
	g.token = "tok-bob"
	g.must(http.StatusOK, "PATCH", path+"/web/scale", `{"spec":{"replicas":5}}`, "Content-Type", "application/merge-patch+json")
	g.token = "tok-alice"
	g.must(http.StatusOK, "PATCH", path+"/web", `[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":"jetplane/hello:2"}]`,
		"Content-Type", "application/json-patch+json")
	g.token = "tok-bob"
	g.must(http.StatusOK, "DELETE", path+"/web", nil)
	g.token = "tok-alice"
	g.must(http.StatusCreated, "POST", path, deployment("web", 1))

	var h jetplaneapi.History
	g.must(http.StatusOK, "GET", jetplaneapi.HistoryPath+"deployments/default/web?diff=1,3", nil).into(t, &h)
	want := []struct{ actor, change string }{
		{"alice", "created"}, {"bob", "scaled"}, {"alice", "updated"}, {"bob", "deleted"}, {"alice", "created"}}
	if len(h.Revisions) != len(want) {
		t.Fatalf("revisions: %+v", h.Revisions)
	}
	for i, w := range want {
		r := h.Revisions[i]
		if r.Revision != i+1 || r.Actor != w.actor || r.Change != w.change || r.ResourceVersion == "" || r.Time.IsZero() {
			t.Fatalf("revision %d: %+v, want %+v", i+1, r, w)
		}
	}
	var patch struct {
		Spec struct {
			Replicas *int `json:"replicas"`
			Template struct {
				Spec struct{ Containers []struct{ Image string } }
			}
		}
	}
	if err := json.Unmarshal(h.Diff.MergePatch, &patch); err != nil {
		t.Fatal(err)
	}
	if patch.Spec.Replicas == nil || *patch.Spec.Replicas != 5 || patch.Spec.Template.Spec.Containers[0].Image != "jetplane/hello:2" {
		t.Fatalf("merge patch 1→3: %s", h.Diff.MergePatch)
	}
	if !strings.Contains(h.Diff.FromYAML, "image: jetplane/hello:1") || !strings.Contains(h.Diff.ToYAML, "image: jetplane/hello:2") {
		t.Fatalf("yaml:\n%s\n---\n%s", h.Diff.FromYAML, h.Diff.ToYAML)
	}

	// With objects, revision 2 is the deployment as bob left it.
	g.must(http.StatusOK, "GET", jetplaneapi.HistoryPath+"deployments/default/web?objects=true", nil).into(t, &h)
	var d appsv1.Deployment
	if err := json.Unmarshal(h.Revisions[1].Object, &d); err != nil || *d.Spec.Replicas != 5 {
		t.Fatalf("object of revision 2: %v %s", err, h.Revisions[1].Object)
	}

	g.must(http.StatusNotFound, "GET", jetplaneapi.HistoryPath+"deployments/default/nope", nil).status(t)
	g.must(http.StatusNotFound, "GET", jetplaneapi.HistoryPath+"widgets/default/x", nil).status(t)
	if st := g.must(http.StatusBadRequest, "GET", jetplaneapi.HistoryPath+"deployments/default/web?diff=1,9", nil).status(t); !strings.HasPrefix(st.Message, "diff:") {
		t.Fatalf("message %q", st.Message)
	}
	g.must(http.StatusBadRequest, "GET", jetplaneapi.HistoryPath+"deployments/web", nil).status(t)
	g.must(http.StatusOK, "GET", jetplaneapi.HistoryPath+"namespaces/default", nil)
}
