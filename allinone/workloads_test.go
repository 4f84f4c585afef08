package allinone_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

const workloadsManifest = `apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: agent
spec:
  selector:
    matchLabels:
      app: agent
  template:
    metadata:
      labels:
        app: agent
    spec:
      containers:
        - name: agent
          image: jetplane/hello:1
---
apiVersion: v1
kind: ReplicationController
metadata:
  name: legacy
spec:
  replicas: 1
  template:
    metadata:
      labels:
        app: legacy
    spec:
      containers:
        - name: legacy
          image: jetplane/hello:1
`

// getJSON runs kubectl get -o json into v.
func getJSON(t testing.TB, c *allinone.Cluster, v any, args ...string) {
	t.Helper()
	out := kubectl(t, c, append([]string{"get", "-o", "json"}, args...)...)
	if err := json.Unmarshal([]byte(out), v); err != nil {
		t.Fatalf("kubectl get %v: %v\n%s", args, err, out)
	}
}

// rows are the lines of a kubectl table that start with prefix, as fields.
func rows(out, prefix string) [][]string {
	var found [][]string
	for _, line := range strings.Split(out, "\n") {
		if strings.HasPrefix(line, prefix) {
			found = append(found, strings.Fields(line))
		}
	}
	return found
}

func TestKubectlWorkloads(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	manifest := filepath.Join(t.TempDir(), "workloads.yaml")
	if err := os.WriteFile(manifest, []byte(workloadsManifest), 0o644); err != nil {
		t.Fatal(err)
	}
	if out := kubectl(t, c, "apply", "-f", manifest); !strings.Contains(out, "daemonset.apps/agent created") ||
		!strings.Contains(out, "replicationcontroller/legacy created") {
		t.Fatalf("apply:\n%s", out)
	}
	if out := kubectl(t, c, "create", "job", "pi", "--image=jetplane/hello:1", "--", "/bin/sh", "-c", "exit 0"); !strings.Contains(out, "job.batch/pi created") {
		t.Fatalf("create job:\n%s", out)
	}
	if out := kubectl(t, c, "create", "cronjob", "tick", "--image=jetplane/hello:1", "--schedule=0 0 1 1 *", "--",
		"/bin/sh", "-c", "exit 0"); !strings.Contains(out, "cronjob.batch/tick created") {
		t.Fatalf("create cronjob:\n%s", out)
	}

	// The Job runs its pod to completion on the node.
	eventstest.Eventually(t, 90*time.Second, func() error {
		out := kubectl(t, c, "get", "jobs")
		r := rows(out, "pi ")
		if !strings.HasPrefix(out, "NAME") || !strings.Contains(out, "STATUS") || !strings.Contains(out, "COMPLETIONS") ||
			!strings.Contains(out, "DURATION") || len(r) != 1 || r[0][1] != "Complete" || r[0][2] != "1/1" {
			return fmt.Errorf("kubectl get jobs:\n%s", out)
		}
		return nil
	})
	var pods corev1.PodList
	getJSON(t, c, &pods, "pods", "-l", "batch.kubernetes.io/job-name=pi")
	if len(pods.Items) != 1 || pods.Items[0].Status.Phase != corev1.PodSucceeded || pods.Items[0].Spec.NodeName != "node-1" {
		t.Fatalf("job pods %+v", pods.Items)
	}

	// The DaemonSet has one pod, on the node; the RC keeps its one.
	eventstest.Eventually(t, 90*time.Second, func() error {
		out := kubectl(t, c, "get", "ds,rc")
		ds, rc := rows(out, "daemonset.apps/agent"), rows(out, "replicationcontroller/legacy")
		if !strings.Contains(out, "NODE SELECTOR") || !strings.Contains(out, "UP-TO-DATE") || len(ds) != 1 || len(rc) != 1 ||
			strings.Join(ds[0][1:6], " ") != "1 1 1 1 1" || ds[0][6] != "<none>" || strings.Join(rc[0][1:4], " ") != "1 1 1" {
			return fmt.Errorf("kubectl get ds,rc:\n%s", out)
		}
		return nil
	})
	getJSON(t, c, &pods, "pods", "-l", "app=agent")
	if len(pods.Items) != 1 || pods.Items[0].Spec.NodeName != "node-1" || pods.Items[0].Labels["controller-revision-hash"] == "" {
		t.Fatalf("daemon pods %+v", pods.Items)
	}

	// The RC scales through its scale subresource.
	if out := kubectl(t, c, "scale", "rc", "legacy", "--replicas=2"); !strings.Contains(out, "replicationcontroller/legacy scaled") {
		t.Fatalf("scale rc:\n%s", out)
	}
	eventstest.Eventually(t, 90*time.Second, func() error {
		out := kubectl(t, c, "get", "rc", "legacy")
		if r := rows(out, "legacy "); len(r) != 1 || strings.Join(r[0][1:4], " ") != "2 2 2" {
			return fmt.Errorf("kubectl get rc:\n%s", out)
		}
		return nil
	})

	// Every kind prints kubectl's columns.
	out := kubectl(t, c, "get", "jobs,cronjobs,ds,rc")
	for _, want := range []string{"job.batch/pi", "Complete", "cronjob.batch/tick", "SCHEDULE", "TIMEZONE", "SUSPEND", "ACTIVE",
		"LAST SCHEDULE", "0 0 1 1 *", "False", "daemonset.apps/agent", "DESIRED", "replicationcontroller/legacy", "READY"} {
		if !strings.Contains(out, want) {
			t.Fatalf("kubectl get jobs,cronjobs,ds,rc lacks %q:\n%s", want, out)
		}
	}
	if out := kubectl(t, c, "delete", "job", "pi"); !strings.Contains(out, `job.batch "pi" deleted`) {
		t.Fatalf("delete job:\n%s", out)
	}
	eventstest.Eventually(t, 60*time.Second, func() error {
		var left corev1.PodList
		getJSON(t, c, &left, "pods", "-l", "batch.kubernetes.io/job-name=pi")
		if len(left.Items) != 0 {
			return fmt.Errorf("%d pods of the deleted job", len(left.Items))
		}
		return nil
	})
}

// deploymentPods starts a Deployment and waits until its pods run.
func deploymentPods(t *testing.T, c *allinone.Cluster, name string, replicas int) []corev1.Pod {
	t.Helper()
	kubectl(t, c, "create", "deployment", name, "--image=jetplane/hello:1", fmt.Sprintf("--replicas=%d", replicas))
	var pods corev1.PodList
	eventstest.Eventually(t, 90*time.Second, func() error {
		getJSON(t, c, &pods, "pods", "-l", "app="+name)
		running := 0
		for _, p := range pods.Items {
			if p.Status.Phase == corev1.PodRunning && p.DeletionTimestamp == nil {
				running++
			}
		}
		if running != replicas || len(pods.Items) != replicas {
			return fmt.Errorf("%d pods, %d running", len(pods.Items), running)
		}
		return nil
	})
	return pods.Items
}

func TestKubectlDeleteCascade(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())

	// --cascade=orphan: the ReplicaSet and its pods stay, the ReplicaSet ownerless.
	deploymentPods(t, c, "kept", 2)
	if out := kubectl(t, c, "delete", "deployment", "kept", "--cascade=orphan"); !strings.Contains(out, `deployment.apps "kept" deleted`) {
		t.Fatalf("delete --cascade=orphan:\n%s", out)
	}
	if out := kubectl(t, c, "get", "deployments", "-o", "name"); strings.Contains(out, "kept") {
		t.Fatalf("deployment left:\n%s", out)
	}
	var rss appsv1.ReplicaSetList
	getJSON(t, c, &rss, "replicasets", "-l", "app=kept")
	if len(rss.Items) != 1 || len(rss.Items[0].OwnerReferences) != 0 {
		t.Fatalf("replicasets after the orphaning delete: %+v", rss.Items)
	}
	var pods corev1.PodList
	getJSON(t, c, &pods, "pods", "-l", "app=kept")
	for _, p := range pods.Items {
		if p.Status.Phase != corev1.PodRunning || p.DeletionTimestamp != nil || p.OwnerReferences[0].UID != rss.Items[0].UID {
			t.Fatalf("pod %s: %s, owners %v", p.Name, p.Status.Phase, p.OwnerReferences)
		}
	}
	if len(pods.Items) != 2 {
		t.Fatalf("%d pods after the orphaning delete", len(pods.Items))
	}

	// --cascade=foreground: kubectl returns once the Deployment is gone, and
	// the log shows every pod deleted before it.
	gone := deploymentPods(t, c, "dropped", 2)
	getJSON(t, c, &rss, "replicasets", "-l", "app=dropped")
	if out := kubectl(t, c, "delete", "deployment", "dropped", "--cascade=foreground"); !strings.Contains(out, `deployment.apps "dropped" deleted`) {
		t.Fatalf("delete --cascade=foreground:\n%s", out)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	deletedAt := func(resource, name string) uint64 {
		t.Helper()
		ev, err := c.Log.LastFor(ctx, resource, "default", name)
		if err != nil || ev == nil || !ev.IsDelete() {
			t.Fatalf("%s %s: last event %+v (%v)", resource, name, ev, err)
		}
		return ev.Seq
	}
	deployment := deletedAt("deployments", "dropped")
	if rs := deletedAt("replicasets", rss.Items[0].Name); rs > deployment {
		t.Fatalf("replicaset deleted at %d, after the deployment at %d", rs, deployment)
	}
	for _, p := range gone {
		if at := deletedAt("pods", p.Name); at > deployment {
			t.Fatalf("pod %s deleted at %d, after the deployment at %d", p.Name, at, deployment)
		}
	}
	// The first, orphaned ReplicaSet still runs its pods.
	getJSON(t, c, &pods, "pods", "-l", "app=kept")
	if len(pods.Items) != 2 {
		t.Fatalf("%d orphaned pods left", len(pods.Items))
	}
}
