package allinone_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// The acceptance on Docker: a StatefulSet's pod keeps what it wrote
// across its deletion (its claim, its local-path volume), the set comes up
// in order with stable names, and the mounted ConfigMap follows edits.
func TestDockerStatefulSetKeepsItsData(t *testing.T) {
	cli := dockertest.Engine(t)
	dockertest.Toolbox(t)
	node := dockertest.NodeName(t)
	dockertest.RemoveNodeContainers(t, cli, node)
	dataDir := t.TempDir()
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: dataDir, GatewayAddr: "127.0.0.1:0",
		NATSPort: -1, Runtime: "docker", NodeName: node, IngressAddr: "-"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	// The application in one manifest (the README's example).
	kubectl(t, c, "apply", "-f", "../examples/statefulset.yaml")
	if out, errOut, code := kubectlRun(t, c, "", "rollout", "status", "statefulset/web", "--timeout=50s"); code != 0 {
		t.Fatalf("rollout status: %s %s", out, errOut)
	}
	var set appsv1.StatefulSet
	getJSON(t, c, &set, "statefulset", "web")
	if set.Status.ReadyReplicas != 3 || set.Status.CurrentRevision != set.Status.UpdateRevision {
		t.Fatalf("status %+v", set.Status)
	}
	// Ordered: web-0 was ready before web-1 started, web-1 before web-2.
	var pods [3]corev1.Pod
	for i := range pods {
		getJSON(t, c, &pods[i], "pod", fmt.Sprintf("web-%d", i))
	}
	for i := 1; i < 3; i++ {
		ready := readySince(&pods[i-1])
		if started := pods[i].CreationTimestamp.Time; started.Before(ready) {
			t.Errorf("web-%d was created at %s, before web-%d was ready (%s)", i, started, i-1, ready)
		}
	}
	if out := kubectl(t, c, "get", "pvc", "-o", "custom-columns=N:.metadata.name,S:.status.phase", "--no-headers"); strings.Count(out, "Bound") != 3 ||
		!strings.Contains(out, "data-web-1") {
		t.Fatalf("claims:\n%s", out)
	}
	exec := func(pod, script string) string {
		t.Helper()
		out, errOut, code := kubectlRun(t, c, "", "exec", pod, "--", "sh", "-c", script)
		if code != 0 {
			t.Fatalf("exec %s %q: %s %s", pod, script, out, errOut)
		}
		return out
	}
	if got := exec("web-1", "cat /data/boot; hostname"); got != "hello hunter2\nweb-1\n" {
		t.Fatalf("web-1: %q", got)
	}
	exec("web-1", "echo kept > /data/x")
	uid := pods[1].UID
	kubectl(t, c, "delete", "pod", "web-1", "--grace-period=1")
	eventstest.Eventually(t, 90*time.Second, func() error {
		var p corev1.Pod
		getJSON(t, c, &p, "pod", "web-1")
		if p.UID == uid || !isReady(&p) {
			return fmt.Errorf("web-1 not back yet (%s)", p.Status.Phase)
		}
		return nil
	})
	if got := exec("web-1", "cat /data/x"); got != "kept\n" {
		t.Fatalf("after web-1's deletion: %q", got)
	}
	kubectl(t, c, "patch", "configmap", "web-config", "-p", `{"data":{"greeting":"edited"}}`)
	eventstest.Eventually(t, 60*time.Second, func() error {
		if got, _, _ := kubectlRun(t, c, "", "exec", "web-2", "--", "cat", "/etc/web/greeting"); got != "edited" {
			return fmt.Errorf("the mounted ConfigMap shows %q", got)
		}
		return nil
	})
	// Scaled down, the highest ordinal goes and its claim stays (Retain).
	kubectl(t, c, "scale", "statefulset", "web", "--replicas=2")
	eventstest.Eventually(t, 60*time.Second, func() error {
		if _, _, code := kubectlRun(t, c, "", "get", "pod", "web-2"); code == 0 {
			return fmt.Errorf("web-2 still there")
		}
		return nil
	})
	// Its claim deleted, its volume goes (reclaim Delete), and with it the
	// directory on the node.
	var pvc corev1.PersistentVolumeClaim
	getJSON(t, c, &pvc, "pvc", "data-web-2")
	var pv corev1.PersistentVolume
	getJSON(t, c, &pv, "pv", pvc.Spec.VolumeName)
	dir := pv.Spec.Local.Path
	if !strings.HasPrefix(dir, filepath.Join(dataDir, "local-path")+"/") {
		t.Fatalf("web-2's volume is at %s", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, "boot")); err != nil {
		t.Fatalf("web-2's data: %v", err)
	}
	kubectl(t, c, "delete", "pvc", "data-web-2")
	eventstest.Eventually(t, 30*time.Second, func() error {
		if _, _, code := kubectlRun(t, c, "", "get", "pv", pv.Name); code == 0 {
			return fmt.Errorf("volume %s still there", pv.Name)
		}
		if _, err := os.Stat(dir); !os.IsNotExist(err) {
			return fmt.Errorf("the volume's directory: %v", err)
		}
		return nil
	})
}

// readySince is when p last became Ready.
func readySince(p *corev1.Pod) time.Time {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady && c.Status == corev1.ConditionTrue {
			return c.LastTransitionTime.Time
		}
	}
	return time.Time{}
}
