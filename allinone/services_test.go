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
)

// TestNodePortSeedScenario: a hello deployment of 2 behind NodePort 31472
// answers on the node's port and through the gateway's service proxy;
// scaled to 0, the proxy says 503. ExternalName and headless services show
// as Kubernetes shows them.
func TestNodePortSeedScenario(t *testing.T) {
	seedScenario(t, startCluster(t, t.TempDir()))
}

// seedScenario runs the seed scenario on c, whatever its node's runtime.
func seedScenario(t *testing.T, c *allinone.Cluster) {
	manifest := `apiVersion: apps/v1
kind: Deployment
metadata:
  name: hello
spec:
  replicas: 2
  selector:
    matchLabels: {app: hello}
  template:
    metadata:
      labels: {app: hello}
    spec:
      containers:
      - name: hello
        image: jetplane/hello:1
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 1}
---
apiVersion: v1
kind: Service
metadata:
  name: hello
spec:
  type: NodePort
  selector: {app: hello}
  ports: [{port: 8080, targetPort: http, nodePort: 31472}]
---
apiVersion: v1
kind: Service
metadata:
  name: lb
spec:
  type: LoadBalancer
  selector: {app: hello}
  ports: [{port: 18089, targetPort: http}]
---
apiVersion: v1
kind: Service
metadata:
  name: docs
spec:
  type: ExternalName
  externalName: docs.example.com
---
apiVersion: v1
kind: Service
metadata:
  name: direct
spec:
  clusterIP: None
  selector: {app: hello}
  ports: [{port: 8080}]
`
	kubectlIn(t, c, manifest, "apply", "-f", "-")
	get := func(url string) (int, string, error) {
		resp, err := c.HTTPClient().Get(url)
		if err != nil {
			return 0, "", err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b), nil
	}
	eventstest.Eventually(t, 120*time.Second, func() error {
		code, body, err := get("http://127.0.0.1:31472/hi/you")
		if err != nil || code != 200 || body != "Hello World you!!" {
			return fmt.Errorf("node port: %d %q %v", code, body, err)
		}
		if n := strings.Count(kubectl(t, c, "get", "endpoints", "hello", "-o", "jsonpath={.subsets[*].addresses[*].ip}"), ".") / 3; n != 2 {
			return fmt.Errorf("%d ready endpoints, want 2", n)
		}
		return nil
	})
	// Round robin: of four requests each pod answers two, as its own log
	// (kubectl logs, the app's stdout) tells.
	before := map[string]int{}
	for _, p := range appPods(t, c, "hello") {
		before[p.Name] = strings.Count(kubectl(t, c, "logs", p.Name), "/hi/alternate")
	}
	for range 4 {
		if code, body, err := get("http://127.0.0.1:31472/hi/alternate"); err != nil || code != 200 || body != "Hello World alternate!!" {
			t.Fatalf("node port: %d %q %v", code, body, err)
		}
	}
	eventstest.Eventually(t, 30*time.Second, func() error {
		for name, n := range before {
			if got := strings.Count(kubectl(t, c, "logs", name), "/hi/alternate") - n; got != 2 {
				return fmt.Errorf("pod %s served %d of 4 requests, want 2", name, got)
			}
		}
		return nil
	})
	// The LoadBalancer Service: its own port opened on the node, the
	// node's address in its status.
	eventstest.Eventually(t, 30*time.Second, func() error {
		code, body, err := get("http://127.0.0.1:18089/hi/lb")
		if err != nil || code != 200 || body != "Hello World lb!!" {
			return fmt.Errorf("load balancer port: %d %q %v", code, body, err)
		}
		if ip := kubectl(t, c, "get", "svc", "lb", "-o", "jsonpath={.status.loadBalancer.ingress[0].ip}"); ip != "127.0.0.1" {
			return fmt.Errorf("load balancer ingress %q", ip)
		}
		return nil
	})
	proxied := func() (int, string) {
		req, _ := http.NewRequest("GET", c.GatewayURL+"/api/v1/namespaces/default/services/hello:8080/proxy/hi/proxy", nil)
		req.Header.Set("Authorization", "Bearer "+c.Token)
		resp, err := c.HTTPClient().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	if code, body := proxied(); code != 200 || body != "Hello World proxy!!" {
		t.Fatalf("service proxy: %d %q", code, body)
	}
	svcs := kubectl(t, c, "get", "svc")
	for _, want := range []string{"8080:31472/TCP", "ExternalName", "docs.example.com", "None"} {
		if !strings.Contains(svcs, want) {
			t.Fatalf("kubectl get svc lacks %q:\n%s", want, svcs)
		}
	}

	kubectl(t, c, "scale", "deployment", "hello", "--replicas=0")
	eventstest.Eventually(t, 60*time.Second, func() error {
		if code, body := proxied(); code != http.StatusServiceUnavailable || !strings.Contains(body, `no endpoints available for service \"hello\"`) {
			return fmt.Errorf("proxy after scale to 0: %d %s", code, body)
		}
		return nil
	})
	if code, _, err := get("http://127.0.0.1:31472/hi/you"); err == nil {
		t.Fatalf("node port still answers with no pods: %d", code)
	}
}

// TestRollingUpdateThroughNodePortLosesNothing: kubectl expose, then a
// client loop through the NodePort during a rolling update with
// maxUnavailable 0 and readiness probes; every request must succeed.
func TestRollingUpdateThroughNodePortLosesNothing(t *testing.T) {
	c := startCluster(t, t.TempDir())
	kubectlIn(t, c, `apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  replicas: 3
  strategy:
    rollingUpdate: {maxSurge: 1, maxUnavailable: 0}
  selector:
    matchLabels: {app: web}
  template:
    metadata:
      labels: {app: web}
    spec:
      containers:
      - name: hello
        image: jetplane/hello:1
        ports: [{name: http, containerPort: 8080}]
        readinessProbe: {httpGet: {path: /readyz, port: http}, periodSeconds: 1}
        # As in Kubernetes: let the endpoints drop the pod before it stops
        # (a connection in flight to a stopping pod is lost otherwise).
        lifecycle: {preStop: {sleep: {seconds: 2}}}
`, "apply", "-f", "-")
	if out := kubectl(t, c, "expose", "deployment", "web", "--type=NodePort", "--port=8080", "--target-port=http", "--name=web"); !strings.Contains(out, "service/web exposed") {
		t.Fatalf("kubectl expose: %s", out)
	}
	var nodePort string
	eventstest.Eventually(t, 60*time.Second, func() error {
		nodePort = strings.TrimSpace(kubectl(t, c, "get", "svc", "web", "-o", "jsonpath={.spec.ports[0].nodePort}"))
		resp, err := http.Get("http://127.0.0.1:" + nodePort + "/version")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if !strings.Contains(string(b), "1") {
			return fmt.Errorf("version %q", b)
		}
		ready := kubectl(t, c, "get", "deploy", "web", "-o", "jsonpath={.status.readyReplicas}")
		if ready != "3" {
			return fmt.Errorf("%s ready", ready)
		}
		return nil
	})

	stop := make(chan struct{})
	type tally struct{ ok, failed, v2 int }
	result := make(chan tally)
	go func() {
		var n tally
		client := &http.Client{Timeout: 5 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}
		for {
			select {
			case <-stop:
				result <- n
				return
			default:
			}
			resp, err := client.Get("http://127.0.0.1:" + nodePort + "/hi/loop")
			if err != nil {
				n.failed++
				continue
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 || string(b) != "Hello World loop!!" {
				n.failed++
				continue
			}
			n.ok++
		}
	}()
	kubectl(t, c, "set", "image", "deployment/web", "hello=jetplane/hello:2")
	eventstest.Eventually(t, 120*time.Second, func() error {
		out := kubectl(t, c, "get", "pods", "-l", "app=web", "-o", "jsonpath={range .items[*]}{.spec.containers[0].image} {.status.phase} {.metadata.deletionTimestamp}|{end}")
		pods := strings.Split(strings.TrimSuffix(out, "|"), "|")
		for _, p := range pods {
			if p != "jetplane/hello:2 Running " {
				return fmt.Errorf("pods: %q", out)
			}
		}
		if len(pods) != 3 {
			return fmt.Errorf("pods: %q", out)
		}
		return nil
	})
	close(stop)
	n := <-result
	t.Logf("requests through the node port during the rolling update: %d answered, %d failed", n.ok, n.failed)
	if n.failed != 0 || n.ok == 0 {
		t.Fatalf("%d requests failed (%d answered) during a rolling update with maxUnavailable 0", n.failed, n.ok)
	}
}

// TestIngressRoutesByHostAndPath: an Ingress served on the node's HTTP
// port sends /hi on hello.local to the hello Service; nothing else matches.
func TestIngressRoutesByHostAndPath(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ingressAddr := ln.Addr().String()
	ln.Close()
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: t.TempDir(), GatewayAddr: "127.0.0.1:0", NATSPort: -1,
		ImagesDir: imagesDir(t), Runtime: "process", NodeName: "node-1", IngressAddr: ingressAddr})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	applyManifest(t, c, "../examples/hello.yaml")
	kubectlIn(t, c, `apiVersion: networking.k8s.io/v1
kind: Ingress
metadata:
  name: hello
spec:
  rules:
  - host: hello.local
    http:
      paths:
      - {path: /hi, pathType: Prefix, backend: {service: {name: hello, port: {number: 8080}}}}
`, "apply", "-f", "-")
	ask := func(host, path string) (int, string) {
		req, _ := http.NewRequest("GET", "http://"+ingressAddr+path, nil)
		req.Host = host
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return 0, err.Error()
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, string(b)
	}
	eventstest.Eventually(t, 60*time.Second, func() error {
		if code, body := ask("hello.local", "/hi/ingress"); code != 200 || body != "Hello World ingress!!" {
			return fmt.Errorf("ingress: %d %q", code, body)
		}
		return nil
	})
	if code, _ := ask("other.local", "/hi/x"); code != http.StatusNotFound {
		t.Fatalf("another host: %d", code)
	}
	if code, _ := ask("hello.local", "/version"); code != http.StatusNotFound {
		t.Fatalf("another path: %d", code)
	}
	if out := kubectl(t, c, "get", "ingress"); !strings.Contains(out, "hello.local") || !strings.Contains(out, "HOSTS") {
		t.Fatalf("kubectl get ingress:\n%s", out)
	}
}
