package gateway

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	appsv1 "k8s.io/api/apps/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// controllerOrigin writes as the replica controller would.
var controllerOrigin = events.Origin{Source: "jetplane/replicacontroller/test", Actor: "system:jetplane:replicacontroller"}

// replicaSetOf writes what the replica controller writes for a Deployment's
// current template: its ReplicaSet with a revision (and the change-cause
// the Deployment has), created, updated or deleted.
func (g *testGateway) replicaSetOf(t *testing.T, d *appsv1.Deployment, hash string, revision int, change string) {
	t.Helper()
	tmpl := d.Spec.Template.DeepCopy()
	tmpl.Labels = map[string]string{"app": d.Name, podTemplateHashLabel: hash}
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{Name: d.Name + "-" + hash, Namespace: d.Namespace,
			Annotations:     map[string]string{revisionAnnotation: fmt.Sprint(revision)},
			OwnerReferences: []metav1.OwnerReference{*metav1.NewControllerRef(d, appsv1.SchemeGroupVersion.WithKind("Deployment"))}},
		Spec: appsv1.ReplicaSetSpec{Replicas: d.Spec.Replicas, Template: *tmpl,
			Selector: &metav1.LabelSelector{MatchLabels: tmpl.Labels}},
	}
	if c := d.Annotations[changeCauseAnnotation]; c != "" {
		rs.Annotations[changeCauseAnnotation] = c
	}
	last, err := g.log.LastFor(t.Context(), "replicasets", d.Namespace, rs.Name)
	if err != nil {
		t.Fatal(err)
	}
	var expected uint64
	if last != nil {
		expected = last.Seq
	}
	if change == events.Created {
		events.PrepareCreate(rs, time.Now())
	}
	if _, err := g.log.Write(t.Context(), controllerOrigin, events.Write{Resource: events.MustLookup("replicasets"),
		Change: change, Object: rs, Expected: expected}); err != nil {
		t.Fatal(err)
	}
}

func (g *testGateway) deploymentNamed(t *testing.T, name string) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	g.must(http.StatusOK, "GET", "/apis/apps/v1/namespaces/default/deployments/"+name, nil).into(t, &d)
	return &d
}

func TestRevisionsFromTheLog(t *testing.T) {
	t.Parallel()
	g := startGateway(t, map[string]string{"tok-alice": "alice", "tok-bob": "bob", "tok-carol": "carol"})
	path := "/apis/apps/v1/namespaces/default/deployments"
	setImage := func(token, image string) {
		g.token = token
		g.must(http.StatusOK, "PATCH", path+"/web", fmt.Sprintf(
			`[{"op":"replace","path":"/spec/template/spec/containers/0/image","value":%q}]`, image),
			"Content-Type", "application/json-patch+json")
	}
	g.token = "tok-alice"
	g.must(http.StatusCreated, "POST", path, deployment("web", 2))
	g.must(http.StatusCreated, "POST", path, deployment("other", 1))
	g.replicaSetOf(t, g.deploymentNamed(t, "other"), "o1", 1, events.Created)
	g.replicaSetOf(t, g.deploymentNamed(t, "web"), "h1", 1, events.Created)

	setImage("tok-bob", "jetplane/hello:2")
	g.replicaSetOf(t, g.deploymentNamed(t, "web"), "h2", 2, events.Created)
	// The change-cause comes after the rollout began and reaches the ReplicaSet.
	g.token = "tok-alice"
	g.must(http.StatusOK, "PATCH", path+"/web", `{"metadata":{"annotations":{"kubernetes.io/change-cause":"to v2"}}}`,
		"Content-Type", "application/merge-patch+json")
	g.replicaSetOf(t, g.deploymentNamed(t, "web"), "h2", 2, events.Updated)

	setImage("tok-alice", "jetplane/hello:3")
	g.replicaSetOf(t, g.deploymentNamed(t, "web"), "h3", 3, events.Created)
	// revisionHistoryLimit prunes revision 1's ReplicaSet.
	v1 := g.deploymentNamed(t, "web")
	v1.Spec.Template.Spec.Containers[0].Image = "jetplane/hello:1"
	v1.Annotations = nil // its last state: as revision 1 left it
	g.replicaSetOf(t, v1, "h1", 1, events.Deleted)

	// Back to v1: the same hash makes the ReplicaSet anew, as revision 4.
	setImage("tok-carol", "jetplane/hello:1")
	g.replicaSetOf(t, g.deploymentNamed(t, "web"), "h1", 4, events.Created)

	var got jetplaneapi.DeploymentRevisions
	g.must(http.StatusOK, "GET", jetplaneapi.RevisionsPath("default", "web"), nil).into(t, &got)
	want := []struct {
		image, cause, actor, rs string
		live                    bool
	}{
		{"jetplane/hello:1", "", "alice", "web-h1", false},
		{"jetplane/hello:2", "to v2", "bob", "web-h2", true},
		{"jetplane/hello:3", "to v2", "alice", "web-h3", true},
		{"jetplane/hello:1", "to v2", "carol", "web-h1", true},
	}
	if got.Kind != "DeploymentRevisions" || got.UID != v1.UID || len(got.Revisions) != len(want) {
		t.Fatalf("revisions %+v", got)
	}
	var lastRV uint64
	for i, w := range want {
		r := got.Revisions[i]
		rv, _ := events.ParseRV(r.ResourceVersion)
		if r.Revision != int64(i+1) || r.Template.Spec.Containers[0].Image != w.image || r.ChangeCause != w.cause ||
			r.Actor != w.actor || r.ReplicaSet != w.rs || r.ReplicaSetLive != w.live || rv <= lastRV || r.Time.IsZero() {
			t.Fatalf("revision %d: %+v, want %+v", i+1, r, w)
		}
		if _, ok := r.Annotations[revisionAnnotation]; ok || r.Annotations[changeCauseAnnotation] != w.cause {
			t.Fatalf("revision %d annotations %v", i+1, r.Annotations)
		}
		if _, ok := r.Template.Labels[podTemplateHashLabel]; ok || r.Template.Labels["app"] != "web" {
			t.Fatalf("revision %d template labels %v", i+1, r.Template.Labels)
		}
		lastRV = rv
	}
	// The resourceVersion is the user's change, not the controller's.
	ev, err := g.log.Get(t.Context(), lastRV)
	if err != nil || ev.Resource != "deployments" || ev.Actor != "carol" {
		t.Fatalf("revision 4 points at %+v (%v)", ev, err)
	}

	// A Deployment made anew under the same name starts a new history.
	g.token = "tok-alice"
	g.must(http.StatusOK, "DELETE", path+"/web", nil)
	g.must(http.StatusCreated, "POST", path, deployment("web", 1))
	g.replicaSetOf(t, g.deploymentNamed(t, "web"), "n1", 1, events.Created)
	g.must(http.StatusOK, "GET", jetplaneapi.RevisionsPath("default", "web"), nil).into(t, &got)
	if len(got.Revisions) != 1 || got.Revisions[0].ReplicaSet != "web-n1" {
		t.Fatalf("new incarnation: %+v", got.Revisions)
	}

	st := g.must(http.StatusNotFound, "GET", jetplaneapi.RevisionsPath("default", "nope"), nil).status(t)
	if st.Reason != metav1.StatusReasonNotFound {
		t.Fatalf("status %+v", st)
	}
}
