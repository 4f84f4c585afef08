package allinone_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
	"github.com/jetplane/jetplane/services/serviceproxy"
	"github.com/moby/moby/client"
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
---
apiVersion: v1
kind: Service
metadata:
  name: dhello-pods
spec:
  clusterIP: None
  selector: {app: dhello}
  ports:
  - {name: web, port: 8080, targetPort: http}
---
apiVersion: v1
kind: Service
metadata:
  name: db
spec:
  type: ExternalName
  externalName: db.example.invalid
`

// dockerServiceCluster is an all-in-one cluster on the Docker runtime
// whose pods reach Services by cluster IP and by name (CoreDNS, names
// outside the cluster answered by a stub), with the hello images of tags
// and the toolbox built.
func dockerServiceCluster(t *testing.T, tags ...string) (*allinone.Cluster, *client.Client) {
	t.Helper()
	cli := dockertest.Engine(t)
	dockertest.HelloImages(t, tags...)
	dockertest.Toolbox(t)
	node := dockertest.NodeName(t)
	dockertest.RemoveNodeContainers(t, cli, node)
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: t.TempDir(), GatewayAddr: "127.0.0.1:0",
		NATSPort: -1, Runtime: "docker", NodeName: node, IngressAddr: "-", ClusterIPs: serviceproxy.ClusterIPsOn,
		DNSAddr: allinone.DNSAuto, DNSUpstreams: []string{stubResolver(t)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c, cli
}

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

// From a real container, a Service answers by name and on its cluster IP
// through the kernel's rules: the pod's resolv.conf names the cluster DNS
// (kube-dns's cluster IP, DNATed to CoreDNS on the bridge's gateway) with
// Kubernetes' search path; names resolve as in Kubernetes; every backend
// serves some of 30 requests; the service variables name the Service; an
// address of the range without a Service is refused at once; and deleting
// a backend during 200 requests by name loses none.
func TestDockerPodsReachServicesByClusterIP(t *testing.T) {
	c, cli := dockerServiceCluster(t, "1")
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

	kubectlIn(t, c, toolboxPod("client", `cat /etc/resolv.conf
echo "== short"; nslookup dhello
echo "== full"; nslookup dhello.default.svc.cluster.local
echo "== headless"; nslookup dhello-pods
echo "== external"; nslookup db
echo "== env"; env | grep '^DHELLO_SERVICE_HOST='
echo "== wget"; for i in $(seq 30); do wget -qO- http://dhello:8080/hi/x; echo; done
echo "== refused"; nc -w 5 10.96.0.250 80 </dev/null 2>&1 || true`), "apply", "-f", "-")
	out := podOutput(t, c, "client", 90*time.Second)
	sections := map[string]string{}
	parts := strings.Split(out, "== ")
	sections["resolv.conf"] = parts[0]
	for _, p := range parts[1:] {
		name, body, _ := strings.Cut(p, "\n")
		sections[name] = body
	}
	expect := func(section string, wants ...string) {
		t.Helper()
		for _, w := range wants {
			if !strings.Contains(sections[section], w) {
				t.Errorf("%s: want %q in:\n%s", section, w, sections[section])
			}
		}
	}
	expect("resolv.conf", "nameserver 10.96.0.10", "search default.svc.cluster.local svc.cluster.local cluster.local", "ndots:5")
	expect("short", "Address: "+svc.Spec.ClusterIP)
	expect("full", "dhello.default.svc.cluster.local", "Address: "+svc.Spec.ClusterIP)
	for _, p := range pods {
		expect("headless", "Address: "+p.Status.PodIP)
	}
	expect("external", "canonical name = db.example.invalid")
	expect("env", "DHELLO_SERVICE_HOST="+svc.Spec.ClusterIP)
	if got := strings.Count(sections["wget"], "Hello World x!!"); got != 30 {
		t.Errorf("30 requests by name: %d answered:\n%s", got, sections["wget"])
	}
	expect("refused", "refused")
	if t.Failed() {
		t.Fatalf("client output:\n%s", out)
	}
	for _, p := range pods {
		if logs := kubectl(t, c, "logs", p.Name); !strings.Contains(logs, "GET /hi/x") {
			t.Errorf("backend %s served none of the 30 requests:\n%s", p.Name, logs)
		}
	}

	// 200 requests, one every 50 ms, while a backend is deleted.
	kubectlIn(t, c, toolboxPod("steady", `ok=0; bad=0
for i in $(seq 200); do
  if wget -qO- http://dhello:8080/hi/y >/dev/null; then ok=$((ok+1)); else bad=$((bad+1)); fi
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

// On the process runtime a pod is a host process with a loopback address:
// the host's own connections (a process pod's, or this test's) reach a
// Service's cluster IP through the output hook, spread over the backends.
func TestProcessPodsReachServicesByClusterIP(t *testing.T) {
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: t.TempDir(), GatewayAddr: "127.0.0.1:0",
		NATSPort: -1, ImagesDir: imagesDir(t), Runtime: "process", NodeName: "node-cip", IngressAddr: "-",
		ClusterIPs: serviceproxy.ClusterIPsOn})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	kubectl(t, c, "apply", "-f", "../examples/hello.yaml")
	ip := strings.TrimSpace(kubectl(t, c, "get", "svc", "hello", "-o", "jsonpath={.spec.clusterIP}"))
	eventstest.Eventually(t, 90*time.Second, func() error {
		var ep corev1.Endpoints
		getJSON(t, c, &ep, "endpoints", "hello")
		if len(ep.Subsets) != 1 || len(ep.Subsets[0].Addresses) != 3 {
			return fmt.Errorf("endpoints %+v", ep.Subsets)
		}
		return nil
	})
	client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
	for i := 0; i < 30; i++ {
		res, err := client.Get("http://" + net.JoinHostPort(ip, "8080") + "/hi/x")
		if err != nil {
			t.Fatalf("request %d through %s: %v", i, ip, err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if string(body) != "Hello World x!!" {
			t.Fatalf("request %d through %s: %q", i, ip, body)
		}
	}
	pods := appPods(t, c, "hello")
	for _, p := range pods {
		if logs := kubectl(t, c, "logs", p.Name); !strings.Contains(logs, "GET /hi/x") {
			t.Errorf("backend %s (%s) served none of the 30 requests", p.Name, p.Status.PodIP)
		}
	}
}
