package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/jetplane/jetplane/events"
	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

const deploymentsPath = "/apis/apps/v1/namespaces/default/deployments"

// A delete with a propagation policy marks the object with its finalizer;
// an update that removes the last finalizer deletes it.
func TestDeletePropagationPolicies(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	tests := []struct {
		name, query string
		body        any
		finalizer   string
	}{
		{"orphan in the body", "", map[string]any{"kind": "DeleteOptions", "apiVersion": "v1", "propagationPolicy": "Orphan"}, events.FinalizerOrphan},
		{"foreground in the query", "?propagationPolicy=Foreground", nil, events.FinalizerForeground},
		{"orphanDependents", "?orphanDependents=true", nil, events.FinalizerOrphan},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			name := []string{"a", "b", "c"}[i]
			g.must(http.StatusCreated, "POST", deploymentsPath, deployment(name, 1))
			var d appsv1.Deployment
			g.must(http.StatusOK, "DELETE", deploymentsPath+"/"+name+tt.query, tt.body).into(t, &d)
			if d.DeletionTimestamp == nil || len(d.Finalizers) != 1 || d.Finalizers[0] != tt.finalizer {
				t.Fatalf("deleted deployment %+v", d.ObjectMeta)
			}
			g.must(http.StatusOK, "GET", deploymentsPath+"/"+name, nil).into(t, &d)
			if ev := getEvent(t, g, d.ResourceVersion); ev.Change() != events.Terminating {
				t.Fatalf("delete appended %s", ev.Type)
			}
			// No new finalizers on an object being deleted.
			g.must(http.StatusUnprocessableEntity, "PATCH", deploymentsPath+"/"+name,
				`{"metadata":{"finalizers":["`+tt.finalizer+`","example.com/more"]}}`, "Content-Type", "application/merge-patch+json")
			g.must(http.StatusOK, "PATCH", deploymentsPath+"/"+name, `{"metadata":{"finalizers":null}}`,
				"Content-Type", "application/merge-patch+json").into(t, &d)
			if ev := getEvent(t, g, d.ResourceVersion); !ev.IsDelete() {
				t.Fatalf("removing the last finalizer appended %s", ev.Type)
			}
			g.must(http.StatusNotFound, "GET", deploymentsPath+"/"+name, nil)
		})
	}
	// Background deletes at once.
	g.must(http.StatusCreated, "POST", deploymentsPath, deployment("bg", 1))
	g.must(http.StatusOK, "DELETE", deploymentsPath+"/bg?propagationPolicy=Background", nil)
	g.must(http.StatusNotFound, "GET", deploymentsPath+"/bg", nil)
	// Bad options are 422, naming the field.
	g.must(http.StatusCreated, "POST", deploymentsPath, deployment("bad", 1))
	st := g.must(http.StatusUnprocessableEntity, "DELETE", deploymentsPath+"/bad?propagationPolicy=Sometimes", nil).status(t)
	if !hasCause(st, "propagationPolicy") {
		t.Fatalf("status %+v", st)
	}
	g.must(http.StatusUnprocessableEntity, "DELETE", deploymentsPath+"/bad?propagationPolicy=Orphan&orphanDependents=false", nil)
}

func job(name string) map[string]any {
	return map[string]any{
		"apiVersion": "batch/v1", "kind": "Job",
		"metadata": map[string]any{"name": name},
		"spec": map[string]any{"template": map[string]any{"spec": map[string]any{
			"restartPolicy": "Never",
			"containers":    []any{map[string]any{"name": "c", "image": "jetplane/hello:1", "command": []any{"/bin/sh", "-c", "exit 0"}}},
		}}},
	}
}

// A Job gets its generated selector on create; deleted without a policy
// its pods are orphaned, with Kubernetes' warning.
func TestJobSelectorAndDefaultOrphaning(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	const jobs = "/apis/batch/v1/namespaces/default/jobs"
	var j batchv1.Job
	g.must(http.StatusCreated, "POST", jobs, job("pi")).into(t, &j)
	want := &metav1.LabelSelector{MatchLabels: map[string]string{batchv1.ControllerUidLabel: string(j.UID)}}
	if j.UID == "" || j.Spec.Selector == nil || j.Spec.Selector.String() != want.String() ||
		j.Spec.Template.Labels[batchv1.JobNameLabel] != "pi" || j.Labels["controller-uid"] != string(j.UID) {
		t.Fatalf("job %+v\nselector %v", j.ObjectMeta, j.Spec.Selector)
	}
	always := job("forever")
	always["spec"].(map[string]any)["template"].(map[string]any)["spec"].(map[string]any)["restartPolicy"] = "Always"
	st := g.must(http.StatusUnprocessableEntity, "POST", jobs, always).status(t)
	if !hasCause(st, "spec.template.spec.restartPolicy") {
		t.Fatalf("status %+v", st)
	}
	r := g.must(http.StatusOK, "DELETE", jobs+"/pi", nil)
	if w := r.header.Get("Warning"); !strings.Contains(w, "child pods are preserved by default") {
		t.Fatalf("warning %q", w)
	}
	r.into(t, &j)
	if len(j.Finalizers) != 1 || j.Finalizers[0] != events.FinalizerOrphan {
		t.Fatalf("finalizers %v", j.Finalizers)
	}
}
