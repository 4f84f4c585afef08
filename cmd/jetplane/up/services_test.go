package up_test

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
)

// TestNodePortSeedScenario: a hello deployment of 2 behind NodePort 31472
// answers on the node's port and through the gateway's service proxy;
// scaled to 0, the proxy says 503. ExternalName and headless services show
// as Kubernetes shows them.
func TestNodePortSeedScenario(t *testing.T) {
	c := startCluster(t, t.TempDir())
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
	eventstest.Eventually(t, 60*time.Second, func() error {
		code, body, err := get("http://127.0.0.1:31472/hi/you")
		if err != nil || code != 200 || body != "Hello World you!!" {
			return fmt.Errorf("node port: %d %q %v", code, body, err)
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
