package allinone_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
	"github.com/jetplane/jetplane/services/serviceproxy"
	corev1 "k8s.io/api/core/v1"
)

// The hello Deployment behind a ClusterIP Service on a named target port;
// preStop gives the endpoints time to drop a pod before it stops serving,
// as Kubernetes users do for zero-loss rollouts.
const clusterIPHello = dockerHello + `        lifecycle:
          preStop:
            sleep: {seconds: 3}
---
apiVersion: v1
kind: Service
metadata:
  name: dhello
spec:
  selector: {app: dhello}
  ports:
  - {name: web, port: 8080, targetPort: http}
`

// toolboxPod runs script in the toolbox image once.
func toolboxPod(name, script string) string {
	return fmt.Sprintf(`apiVersion: v1
kind: Pod
metadata:
  name: %s
spec:
  restartPolicy: Never
  containers:
  - name: box
    image: jetplane/toolbox:1
    imagePullPolicy: Never
    command: [sh, -c, %q]
`, name, script)
}

// podOutput waits until the pod ends and returns its logs.
func podOutput(t *testing.T, c *allinone.Cluster, name string, timeout time.Duration) string {
	t.Helper()
	eventstest.Eventually(t, timeout, func() error {
		var p corev1.Pod
		getJSON(t, c, &p, "pod", name)
		if p.Status.Phase != corev1.PodSucceeded && p.Status.Phase != corev1.PodFailed {
			return fmt.Errorf("pod %s is %s", name, p.Status.Phase)
		}
		return nil
	})
	return kubectl(t, c, "logs", name)
}

// From a real container, a Service answers on its cluster IP through the
// kernel's rules: every backend serves some of 30 requests, the service
// variables name it, an address of the range without a Service is refused
// at once, and deleting a backend during 200 requests loses none.
func TestDockerPodsReachServicesByClusterIP(t *testing.T) {
	cli := dockertest.Engine(t)
	dockertest.HelloImages(t, "1")
	dockertest.Toolbox(t)
	node := dockertest.NodeName(t)
	dockertest.RemoveNodeContainers(t, cli, node)
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: t.TempDir(), GatewayAddr: "127.0.0.1:0",
		NATSPort: -1, Runtime: "docker", NodeName: node, IngressAddr: "-", ClusterIPs: serviceproxy.ClusterIPsOn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	kubectlIn(t, c, clusterIPHello, "apply", "-f", "-")
	pods := dockerPods(t, c, cli, 3)
	var svc corev1.Service
	getJSON(t, c, &svc, "svc", "dhello")
	eventstest.Eventually(t, 60*time.Second, func() error {
		var ep corev1.Endpoints
		getJSON(t, c, &ep, "endpoints", "dhello")
		if len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses) != 3 {
			return fmt.Errorf("endpoints %+v", ep.Subsets)
		}
		return nil
	})

	kubectlIn(t, c, toolboxPod("client", `env | grep '^DHELLO_SERVICE_HOST='
for i in $(seq 30); do wget -qO- http://$DHELLO_SERVICE_HOST:8080/hi/x; echo; done
nc -w 5 10.96.0.250 80 </dev/null 2>&1 || true`), "apply", "-f", "-")
	out := podOutput(t, c, "client", 90*time.Second)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 32 || lines[0] != "DHELLO_SERVICE_HOST="+svc.Spec.ClusterIP {
		t.Fatalf("client output:\n%s", out)
	}
	for _, l := range lines[1:31] {
		if l != "Hello World x!!" {
			t.Fatalf("through the cluster IP: %q\n%s", l, out)
		}
	}
	if !strings.Contains(lines[31], "refused") {
		t.Fatalf("a cluster IP without a Service answered %q, want connection refused", lines[31])
	}
	for _, p := range pods {
		if logs := kubectl(t, c, "logs", p.Name); !strings.Contains(logs, "GET /hi/x") {
			t.Errorf("backend %s served none of the 30 requests:\n%s", p.Name, logs)
		}
	}

	// 200 requests, one every 50 ms, while a backend is deleted.
	kubectlIn(t, c, toolboxPod("steady", `ok=0; bad=0
for i in $(seq 200); do
  if wget -qO- http://$DHELLO_SERVICE_HOST:8080/hi/y >/dev/null; then ok=$((ok+1)); else bad=$((bad+1)); fi
  sleep 0.05
done
echo "ok=$ok bad=$bad"`), "apply", "-f", "-")
	eventstest.Eventually(t, 60*time.Second, func() error {
		var p corev1.Pod
		getJSON(t, c, &p, "pod", "steady")
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("steady is %s", p.Status.Phase)
		}
		return nil
	})
	kubectl(t, c, "delete", "pod", pods[0].Name, "--wait=false")
	if out := strings.TrimSpace(podOutput(t, c, "steady", 120*time.Second)); out != "ok=200 bad=0" {
		t.Fatalf("requests while a backend went away: %s", out)
	}
}
