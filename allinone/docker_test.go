package allinone_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
	"github.com/moby/moby/client"
	corev1 "k8s.io/api/core/v1"
)

const dockerHello = `apiVersion: apps/v1
kind: Deployment
metadata:
  name: dhello
spec:
  replicas: 3
  selector:
    matchLabels: {app: dhello}
  template:
    metadata:
      labels: {app: dhello}
    spec:
      containers:
      - name: hello
        image: jetplane/hello:1
        imagePullPolicy: Never
        ports:
        - {name: http, containerPort: 8080}
        readinessProbe:
          httpGet: {path: /readyz, port: 8080}
          periodSeconds: 1
        resources:
          limits: {cpu: 200m, memory: 64Mi}
`

func startDockerCluster(t *testing.T, dir, node string) *allinone.Cluster {
	t.Helper()
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: dir, GatewayAddr: "127.0.0.1:0", NATSPort: -1,
		Runtime: "docker", NodeName: node, IngressAddr: "-"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// dockerPods waits until the Deployment's n pods run ready in containers
// of the engine, each answering on its pod IP, and returns them.
func dockerPods(t testing.TB, c *allinone.Cluster, cli *client.Client, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	eventstest.Eventually(t, 120*time.Second, func() error {
		pods = appPods(t, c, "dhello")
		ips := map[string]bool{}
		for i := range pods {
			p := &pods[i]
			if !isReady(p) || p.DeletionTimestamp != nil || len(p.Status.ContainerStatuses) != 1 {
				return fmt.Errorf("pod %s not ready", p.Name)
			}
			id, ok := strings.CutPrefix(p.Status.ContainerStatuses[0].ContainerID, "docker://")
			if !ok {
				return fmt.Errorf("pod %s: container %q", p.Name, p.Status.ContainerStatuses[0].ContainerID)
			}
			res, err := cli.ContainerInspect(context.Background(), id, client.ContainerInspectOptions{})
			if err != nil || !res.Container.State.Running || res.Container.Config.Labels[runtime.LabelPodName] != p.Name {
				return fmt.Errorf("pod %s: container %s on the engine: %v", p.Name, id, err)
			}
			ips[p.Status.PodIP] = true
			if err := getHi(p.Status.PodIP); err != nil {
				return fmt.Errorf("pod %s: %w", p.Name, err)
			}
		}
		if len(pods) != n || len(ips) != n {
			return fmt.Errorf("%d pods on %d addresses, want %d", len(pods), len(ips), n)
		}
		return nil
	})
	return pods
}

func getHi(ip string) error { return hiFrom(ip, "x") }

func nodeContainers(t *testing.T, cli *client.Client, node string) []string {
	t.Helper()
	res, err := cli.ContainerList(context.Background(), client.ContainerListOptions{All: true,
		Filters: make(client.Filters).Add("label", runtime.LabelNode+"="+node)})
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, c := range res.Items {
		ids = append(ids, c.ID)
	}
	return ids
}

// A Deployment runs as real containers: each pod answers on its bridge
// address; a container killed behind the agent's back is restarted in the
// same pod (restartCount, lastState, same IP); a restarted control plane
// adopts the running containers; deleting the Deployment leaves nothing.
func TestDockerDeploymentRestartsKilledContainers(t *testing.T) {
	cli := dockertest.Engine(t)
	dockertest.HelloImages(t, "1")
	node := dockertest.NodeName(t)
	dockertest.RemoveNodeContainers(t, cli, node)
	dir := t.TempDir()
	c := startDockerCluster(t, dir, node)
	kubectlIn(t, c, dockerHello, "apply", "-f", "-")
	pods := dockerPods(t, c, cli, 3)
	if n := len(nodeContainers(t, cli, node)); n != 6 {
		t.Fatalf("%d containers on the engine, want 3 and their 3 sandboxes", n)
	}

	victim := pods[0]
	id := strings.TrimPrefix(victim.Status.ContainerStatuses[0].ContainerID, "docker://")
	if _, err := cli.ContainerKill(context.Background(), id, client.ContainerKillOptions{Signal: "SIGKILL"}); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 120*time.Second, func() error {
		var p corev1.Pod
		getJSON(t, c, &p, "pod", victim.Name)
		cs := p.Status.ContainerStatuses[0]
		last := cs.LastTerminationState.Terminated
		switch {
		case cs.RestartCount != 1 || last == nil || last.ExitCode != 137 || last.ContainerID != "docker://"+id:
			return fmt.Errorf("restarts %d, last state %+v", cs.RestartCount, cs.LastTerminationState)
		case !isReady(&p) || cs.ContainerID == "docker://"+id:
			return fmt.Errorf("not ready again in a new container")
		case p.Status.PodIP != victim.Status.PodIP:
			return fmt.Errorf("pod IP changed from %s to %s", victim.Status.PodIP, p.Status.PodIP)
		}
		return getHi(p.Status.PodIP)
	})
	if out := kubectl(t, c, "get", "pod", victim.Name); !strings.Contains(out, "RESTARTS") || rows(out, victim.Name)[0][3] != "1" {
		t.Fatalf("kubectl get pod:\n%s", out)
	}
	pods = dockerPods(t, c, cli, 3)

	// A new control plane on the same data adopts the containers.
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}
	before := nodeContainers(t, cli, node)
	c = startDockerCluster(t, dir, node)
	again := dockerPods(t, c, cli, 3)
	for i := range pods {
		if again[i].Name != pods[i].Name || again[i].Status.ContainerStatuses[0].ContainerID != pods[i].Status.ContainerStatuses[0].ContainerID {
			t.Fatalf("pod %s: container %s, was %s", again[i].Name, again[i].Status.ContainerStatuses[0].ContainerID,
				pods[i].Status.ContainerStatuses[0].ContainerID)
		}
	}
	if after := nodeContainers(t, cli, node); len(after) != len(before) {
		t.Fatalf("%d containers after the restart, %d before", len(after), len(before))
	}

	kubectl(t, c, "delete", "deployment", "dhello")
	eventstest.Eventually(t, 120*time.Second, func() error {
		if left := nodeContainers(t, cli, node); len(left) != 0 {
			return fmt.Errorf("%d containers left", len(left))
		}
		return nil
	})
}

// The seed scenario on real containers: NodePort 31472 forwards to the
// pods' bridge addresses, alternating; scaled to 0, the proxy says 503.
func TestDockerNodePortSeedScenario(t *testing.T) {
	cli := dockertest.Engine(t)
	dockertest.HelloImages(t, "1")
	node := dockertest.NodeName(t)
	dockertest.RemoveNodeContainers(t, cli, node)
	seedScenario(t, startDockerCluster(t, t.TempDir(), node))
}

// A container whose liveness probe fails is killed and restarted in its
// pod, counted in restartCount, with Unhealthy and Killing events; its
// output reaches kubectl logs.
func TestDockerLivenessFailureRestarts(t *testing.T) {
	cli := dockertest.Engine(t)
	dockertest.HelloImages(t, "1")
	node := dockertest.NodeName(t)
	dockertest.RemoveNodeContainers(t, cli, node)
	c := startDockerCluster(t, t.TempDir(), node)
	kubectlIn(t, c, `apiVersion: v1
kind: Pod
metadata:
  name: unwell
spec:
  terminationGracePeriodSeconds: 5
  containers:
  - name: hello
    image: jetplane/hello:1
    livenessProbe:
      httpGet: {path: /no-such-page, port: 8080}
      initialDelaySeconds: 1
      periodSeconds: 1
      failureThreshold: 2
`, "apply", "-f", "-")
	eventstest.Eventually(t, 120*time.Second, func() error {
		var p corev1.Pod
		getJSON(t, c, &p, "pod", "unwell")
		if len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].RestartCount < 2 {
			return fmt.Errorf("container statuses %+v", p.Status.ContainerStatuses)
		}
		if last := p.Status.ContainerStatuses[0].LastTerminationState.Terminated; last == nil {
			return fmt.Errorf("no last state")
		}
		return nil
	})
	mustContain(t, "kubectl describe pod", kubectl(t, c, "describe", "pod", "unwell"),
		"Liveness probe failed", "Container hello failed liveness probe, will be restarted")
	// The app's stdout: the running container's start line; the previous
	// container's probes it answered 404 and its clean stop on SIGTERM.
	mustContain(t, "kubectl logs", kubectl(t, c, "logs", "unwell"), "hello 1 listening on")
	mustContain(t, "kubectl logs --previous", kubectl(t, c, "logs", "unwell", "--previous"),
		"hello 1 listening on", "GET /no-such-page", "hello 1 stopped")
}
