package allinone_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// rolloutManifest is a Deployment of the hello app whose pods are ready
// when /readyz answers; extra holds more spec lines (indented two spaces).
func rolloutManifest(name string, replicas int, extra string) string {
	return fmt.Sprintf(`apiVersion: apps/v1
kind: Deployment
metadata:
  name: %[1]s
spec:
  replicas: %[2]d
%[3]s  selector:
    matchLabels: {app: %[1]s}
  template:
    metadata:
      labels: {app: %[1]s}
    spec:
      containers:
      - name: hello
        image: jetplane/hello:1
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 1}
`, name, replicas, extra)
}

// appPods lists the pods labelled app=<app> through the API.
func appPods(t testing.TB, c *allinone.Cluster, app string) []corev1.Pod {
	t.Helper()
	code, out := api(t, c, "GET", "/api/v1/namespaces/default/pods?labelSelector=app%3D"+app, nil)
	if code != http.StatusOK {
		t.Fatalf("list pods: %d %s", code, out)
	}
	var list corev1.PodList
	if err := json.Unmarshal(out, &list); err != nil {
		t.Fatal(err)
	}
	return list.Items
}

// allOn succeeds when app has exactly n pods, every one ready, not
// terminating and running image.
func allOn(t *testing.T, c *allinone.Cluster, app string, n int, image string) error {
	pods := appPods(t, c, app)
	var bad []string
	for i := range pods {
		p := &pods[i]
		if p.DeletionTimestamp != nil || !isReady(p) || p.Spec.Containers[0].Image != image {
			bad = append(bad, fmt.Sprintf("%s(%s ready=%v terminating=%v)", p.Name, p.Spec.Containers[0].Image,
				isReady(p), p.DeletionTimestamp != nil))
		}
	}
	if len(pods) != n || len(bad) > 0 {
		return fmt.Errorf("%d pods of %s, want %d ready on %s; not so: %v", len(pods), app, n, image, bad)
	}
	return nil
}

func waitAllOn(t *testing.T, c *allinone.Cluster, app string, n int, image string) {
	t.Helper()
	eventstest.Eventually(t, 120*time.Second, func() error { return allOn(t, c, app, n, image) })
}

func getDeployment(t *testing.T, c *allinone.Cluster, name string) *appsv1.Deployment {
	t.Helper()
	var d appsv1.Deployment
	getJSON(t, c, &d, "deployment", name)
	return &d
}

func progressingOf(d *appsv1.Deployment) *appsv1.DeploymentCondition {
	for i := range d.Status.Conditions {
		if d.Status.Conditions[i].Type == appsv1.DeploymentProgressing {
			return &d.Status.Conditions[i]
		}
	}
	return nil
}

// mustContain fails unless out holds every want.
func mustContain(t *testing.T, what, out string, wants ...string) {
	t.Helper()
	if err := containsAll(out, wants...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// TestKubectlRolloutScenario is the scenario as a user types it: apply,
// set image, rollout status, history, undo, scale; then pause and resume,
// restart, and a broken image that stalls past its progress deadline with
// the old pods still serving.
func TestKubectlRolloutScenario(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	out := kubectlIn(t, c, rolloutManifest("web", 3, "  progressDeadlineSeconds: 15\n"), "apply", "-f", "-")
	mustContain(t, "apply", out, "deployment.apps/web created")
	kubectl(t, c, "annotate", "deployment/web", "kubernetes.io/change-cause=first version")
	out = kubectl(t, c, "rollout", "status", "deployment/web", "--timeout=100s")
	mustContain(t, "rollout status", out, `deployment "web" successfully rolled out`)
	waitAllOn(t, c, "web", 3, "jetplane/hello:1")

	mustContain(t, "set image", kubectl(t, c, "set", "image", "deployment/web", "hello=jetplane/hello:2"),
		"deployment.apps/web image updated")
	kubectl(t, c, "annotate", "--overwrite", "deployment/web", "kubernetes.io/change-cause=hello v2")
	out = kubectl(t, c, "rollout", "status", "deployment/web", "--timeout=100s")
	mustContain(t, "rollout status", out, `deployment "web" successfully rolled out`)
	waitAllOn(t, c, "web", 3, "jetplane/hello:2")

	out = kubectl(t, c, "rollout", "history", "deployment/web")
	if r := rows(out, "1 "); len(r) != 1 || strings.Join(r[0][1:], " ") != "first version" {
		t.Fatalf("rollout history lacks revision 1:\n%s", out)
	}
	if r := rows(out, "2 "); len(r) != 1 || strings.Join(r[0][1:], " ") != "hello v2" {
		t.Fatalf("rollout history lacks revision 2:\n%s", out)
	}
	mustContain(t, "history --revision=1", kubectl(t, c, "rollout", "history", "deployment/web", "--revision=1"),
		"revision #1", "jetplane/hello:1", "first version")

	mustContain(t, "undo", kubectl(t, c, "rollout", "undo", "deployment/web", "--to-revision=1"), "deployment.apps/web rolled back")
	kubectl(t, c, "rollout", "status", "deployment/web", "--timeout=100s")
	waitAllOn(t, c, "web", 3, "jetplane/hello:1")
	// Revision 1's ReplicaSet came back as revision 3, with its change-cause.
	out = kubectl(t, c, "rollout", "history", "deployment/web")
	if len(rows(out, "1 ")) != 0 || len(rows(out, "3 ")) != 1 || !strings.Contains(rows(out, "3 ")[0][1], "first") {
		t.Fatalf("history after undo:\n%s", out)
	}
	var rsList appsv1.ReplicaSetList
	getJSON(t, c, &rsList, "rs", "-l", "app=web")
	for _, rs := range rsList.Items {
		if rs.Spec.Template.Spec.Containers[0].Image == "jetplane/hello:1" &&
			(rs.Annotations["deployment.kubernetes.io/revision"] != "3" || rs.Annotations["deployment.kubernetes.io/revision-history"] != "1") {
			t.Fatalf("reused replicaset annotations %v", rs.Annotations)
		}
	}

	mustContain(t, "scale", kubectl(t, c, "scale", "deployment/web", "--replicas=10"), "deployment.apps/web scaled")
	kubectl(t, c, "rollout", "status", "deployment/web", "--timeout=100s")
	waitAllOn(t, c, "web", 10, "jetplane/hello:1")
	kubectl(t, c, "scale", "deployment/web", "--replicas=3")
	waitAllOn(t, c, "web", 3, "jetplane/hello:1")

	// Paused, a new template makes no progress.
	mustContain(t, "pause", kubectl(t, c, "rollout", "pause", "deployment/web"), "deployment.apps/web paused")
	kubectl(t, c, "set", "image", "deployment/web", "hello=jetplane/hello:2")
	eventstest.Eventually(t, 60*time.Second, func() error {
		d := getDeployment(t, c, "web")
		if p := progressingOf(d); d.Status.ObservedGeneration != d.Generation || p == nil || p.Reason != "DeploymentPaused" {
			return fmt.Errorf("generation %d observed %d progressing %+v", d.Generation, d.Status.ObservedGeneration, p)
		}
		return nil
	})
	if err := allOn(t, c, "web", 3, "jetplane/hello:1"); err != nil {
		t.Fatalf("paused deployment rolled: %v", err)
	}
	mustContain(t, "resume", kubectl(t, c, "rollout", "resume", "deployment/web"), "deployment.apps/web resumed")
	kubectl(t, c, "rollout", "status", "deployment/web", "--timeout=100s")
	waitAllOn(t, c, "web", 3, "jetplane/hello:2")

	mustContain(t, "restart", kubectl(t, c, "rollout", "restart", "deployment/web"), "deployment.apps/web restarted")
	kubectl(t, c, "rollout", "status", "deployment/web", "--timeout=100s")
	waitAllOn(t, c, "web", 3, "jetplane/hello:2")
	for _, p := range appPods(t, c, "web") {
		if p.Annotations["kubectl.kubernetes.io/restartedAt"] == "" {
			t.Fatalf("pod %s was not restarted: %v", p.Name, p.Annotations)
		}
	}

	// A broken image stalls within maxUnavailable (0 of 3 at 25%) until
	// the progress deadline; rollout status then fails; the old pods serve.
	kubectl(t, c, "set", "image", "deployment/web", "hello=jetplane/hello:broken")
	out, err := runCLI(c, 100*time.Second, "kubectl", "rollout", "status", "deployment/web", "--timeout=90s")
	if err == nil || !strings.Contains(out, `deployment "web" exceeded its progress deadline`) {
		t.Fatalf("rollout status of a broken image: %v\n%s", err, out)
	}
	d := getDeployment(t, c, "web")
	if p := progressingOf(d); p == nil || p.Status != corev1.ConditionFalse || p.Reason != "ProgressDeadlineExceeded" {
		t.Fatalf("progressing %+v", p)
	}
	ready, broken := 0, 0
	for _, p := range appPods(t, c, "web") {
		switch img := p.Spec.Containers[0].Image; {
		case img == "jetplane/hello:2" && isReady(&p) && p.DeletionTimestamp == nil:
			ready++
		case img == "jetplane/hello:broken" && !isReady(&p):
			broken++
		}
	}
	if ready != 3 || broken != 1 {
		t.Fatalf("stalled rollout: %d old pods ready (want 3), %d broken pods (want 1)", ready, broken)
	}
	kubectl(t, c, "rollout", "undo", "deployment/web")
	kubectl(t, c, "rollout", "status", "deployment/web", "--timeout=100s")
	waitAllOn(t, c, "web", 3, "jetplane/hello:2")
}

// readyReplay folds pod events of one app from the log and counts, after
// every event, the pods that are ready and not terminating.
type readyReplay struct {
	app   string
	ready map[string]string // pod → image, for ready pods
	live  map[string]string // pod → image, for pods not deleted or terminating
}

func (r *readyReplay) observe(ev *events.Event) {
	var p corev1.Pod
	if len(ev.Data) == 0 || json.Unmarshal(ev.Data, &p) != nil || p.Labels["app"] != r.app {
		return
	}
	delete(r.ready, p.Name)
	delete(r.live, p.Name)
	if ev.IsDelete() || p.DeletionTimestamp != nil {
		return
	}
	r.live[p.Name] = p.Spec.Containers[0].Image
	if isReady(&p) {
		r.ready[p.Name] = p.Spec.Containers[0].Image
	}
}

// count is how many pods (of image, "" for any) are in m.
func count(m map[string]string, image string) int {
	n := 0
	for _, img := range m {
		if image == "" || img == image {
			n++
		}
	}
	return n
}

// TestRollingUpdateKeepsReadyPodsByTheLog: a rolling update of 4 replicas
// with maxSurge 1 and maxUnavailable 0 never has fewer than 4 ready pods,
// counted after every pod event the log holds (not sampled); then kubectl
// rollout undo brings every pod back to the old template, and the time
// that took is read from the events' timestamps.
func TestRollingUpdateKeepsReadyPodsByTheLog(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	kubectlIn(t, c, rolloutManifest("web", 4, "  strategy:\n    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}\n"), "apply", "-f", "-")
	waitAllOn(t, c, "web", 4, "jetplane/hello:1")
	ctx := t.Context()
	_, before, err := c.Log.Bounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	kubectl(t, c, "set", "image", "deployment/web", "hello=jetplane/hello:2")
	kubectl(t, c, "rollout", "status", "deployment/web", "--timeout=100s")
	waitAllOn(t, c, "web", 4, "jetplane/hello:2")
	_, updated, err := c.Log.Bounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	mustContain(t, "undo", kubectl(t, c, "rollout", "undo", "deployment/web"), "deployment.apps/web rolled back")
	waitAllOn(t, c, "web", 4, "jetplane/hello:1")
	_, end, err := c.Log.Bounds(ctx)
	if err != nil {
		t.Fatal(err)
	}

	// The undo is the Deployment's first change after the update whose
	// template is v1 again.
	var undoAt time.Time
	var undoSeq uint64
	err = c.Log.Replay(ctx, events.Subject("deployments", "default", "web"), updated+1, end, func(ev *events.Event, decErr error) error {
		var d appsv1.Deployment
		if decErr == nil && undoSeq == 0 && json.Unmarshal(ev.Data, &d) == nil &&
			d.Spec.Template.Spec.Containers[0].Image == "jetplane/hello:1" {
			undoAt, undoSeq = ev.Time, ev.Seq
		}
		return nil
	})
	if err != nil || undoSeq == 0 {
		t.Fatalf("no undo in the log after %d: %v", updated, err)
	}

	r := &readyReplay{app: "web", ready: map[string]string{}, live: map[string]string{}}
	minUpdate, minUndo, updateEvents := 1<<30, 1<<30, 0
	var backAt time.Time
	err = c.Log.Replay(ctx, events.FilterSubject("pods", "default"), 1, end, func(ev *events.Event, decErr error) error {
		if decErr != nil {
			return nil
		}
		r.observe(ev)
		ready := count(r.ready, "")
		switch {
		case ev.Seq > before && ev.Seq <= updated:
			updateEvents++
			minUpdate = min(minUpdate, ready)
		case ev.Seq > undoSeq:
			minUndo = min(minUndo, ready)
			if backAt.IsZero() && count(r.ready, "jetplane/hello:1") == 4 && count(r.live, "") == 4 {
				backAt = ev.Time
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("rolling update 4 replicas, maxSurge 1, maxUnavailable 0: %d pod events, at least %d ready pods after each", updateEvents, minUpdate)
	t.Logf("undo: at least %d ready pods; all 4 pods ready on the old template %v after the undo (event times)", minUndo, backAt.Sub(undoAt))
	if updateEvents == 0 || minUpdate < 4 || minUndo < 4 {
		t.Fatalf("ready pods fell to %d during the update, %d during the undo (want at least 4)", minUpdate, minUndo)
	}
	if backAt.IsZero() || !backAt.After(undoAt) {
		t.Fatalf("the log never shows 4 ready v1 pods and nothing else after the undo at %d", undoSeq)
	}
}

// TestUndoBeyondRevisionHistoryLimit: with revisionHistoryLimit 1, revision
// 1's ReplicaSet is gone after three revisions, so kubectl cannot roll back
// to it; jetplane rollout undo finds its template in the log and can.
func TestUndoBeyondRevisionHistoryLimit(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	kubectlIn(t, c, rolloutManifest("hist", 2, "  revisionHistoryLimit: 1\n"), "apply", "-f", "-")
	kubectl(t, c, "rollout", "status", "deployment/hist", "--timeout=100s")
	kubectl(t, c, "set", "image", "deployment/hist", "hello=jetplane/hello:2")
	kubectl(t, c, "rollout", "status", "deployment/hist", "--timeout=100s")
	kubectl(t, c, "rollout", "restart", "deployment/hist")
	kubectl(t, c, "rollout", "status", "deployment/hist", "--timeout=100s")
	waitAllOn(t, c, "hist", 2, "jetplane/hello:2")
	eventstest.Eventually(t, 60*time.Second, func() error {
		var list appsv1.ReplicaSetList
		getJSON(t, c, &list, "rs", "-l", "app=hist")
		var revs []string
		for _, rs := range list.Items {
			revs = append(revs, rs.Annotations["deployment.kubernetes.io/revision"])
		}
		if len(list.Items) != 2 {
			return fmt.Errorf("replicasets of revisions %v, want 2 and 3 only", revs)
		}
		return nil
	})
	out, err := runCLI(c, 60*time.Second, "kubectl", "rollout", "undo", "deployment/hist", "--to-revision=1")
	if err == nil || !strings.Contains(out, "unable to find specified revision 1") {
		t.Fatalf("kubectl rollout undo to a pruned revision: %v\n%s", err, out)
	}

	var revs jetplaneapi.DeploymentRevisions
	code, body := api(t, c, "GET", jetplaneapi.RevisionsPath("default", "hist"), nil)
	if err := json.Unmarshal(body, &revs); code != http.StatusOK || err != nil || len(revs.Revisions) != 3 ||
		revs.Revisions[0].ReplicaSetLive || revs.Revisions[0].Template.Spec.Containers[0].Image != "jetplane/hello:1" ||
		revs.Revisions[0].Actor != "admin" {
		t.Fatalf("revisions: %d %s", code, body)
	}

	out, err = runCLI(c, 60*time.Second, jetplaneBinary(t), "rollout", "undo", "deploy/hist", "--to-revision=1")
	if err != nil || !strings.Contains(out, "deployment.apps/hist rolled back to revision 1") {
		t.Fatalf("jetplane rollout undo: %v\n%s", err, out)
	}
	kubectl(t, c, "rollout", "status", "deployment/hist", "--timeout=100s")
	waitAllOn(t, c, "hist", 2, "jetplane/hello:1")
	if r := rows(kubectl(t, c, "rollout", "history", "deployment/hist"), "4 "); len(r) != 1 {
		t.Fatal("the rollback is not revision 4")
	}
	// Without --to-revision: the one before, as kubectl does.
	out, err = runCLI(c, 60*time.Second, jetplaneBinary(t), "rollout", "undo", "deploy/hist", "-n", "default")
	if err != nil || !strings.Contains(out, "rolled back to revision 3") {
		t.Fatalf("jetplane rollout undo: %v\n%s", err, out)
	}
	waitAllOn(t, c, "hist", 2, "jetplane/hello:2")
}
