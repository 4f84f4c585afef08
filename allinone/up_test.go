package allinone_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/examples/hello/helloimage"
	"github.com/jetplane/jetplane/seal"
	"github.com/jetplane/jetplane/services/sealer"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// builtOnce makes a directory once per test binary, for tests that run in
// parallel: the first caller builds while the others wait for it.
func builtOnce(prefix string, build func(ctx context.Context, dir string) error) func(t testing.TB) string {
	var mu sync.Mutex
	var dir string
	return func(t testing.TB) string {
		t.Helper()
		mu.Lock()
		defer mu.Unlock()
		if dir != "" {
			return dir
		}
		d, err := os.MkdirTemp("", prefix)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		if err := build(ctx, d); err != nil {
			t.Fatal(err)
		}
		dir = d
		return dir
	}
}

// imagesDir builds the hello images once per test binary.
var imagesDir = builtOnce("jetplane-images-", func(ctx context.Context, dir string) error {
	return helloimage.Build(ctx, dir, "1", "2", "broken")
})

func startCluster(t *testing.T, dataDir string) *allinone.Cluster {
	t.Helper()
	c := startUnverified(t, dataDir)
	// Every end-to-end test ends with its history verified against the
	// sealer's checkpoints (before the cluster stops: cleanups run last first).
	t.Cleanup(func() {
		if c.Stopped() {
			return // stopped by the test itself: a later cluster on its data verifies
		}
		pub, err := seal.ReadPublicKey(filepath.Join(dataDir, "pki", seal.PublicKeyFile))
		if err != nil {
			t.Error(err)
			return
		}
		res, err := sealer.Verify(context.Background(), c.Log, pub, 0)
		if err != nil || res.Finding != nil {
			t.Errorf("the history does not verify: %v %v", res.Finding, err)
		}
	})
	return c
}

// startUnverified is startCluster for a test that tampers with history.
func startUnverified(t *testing.T, dataDir string) *allinone.Cluster {
	t.Helper()
	c, err := allinone.Start(context.Background(), allinone.Options{
		DataDir: dataDir, GatewayAddr: "127.0.0.1:0", NATSPort: -1, ImagesDir: imagesDir(t), Runtime: "process", NodeName: "node-1",
		// No fixed host port, so that tests of their own clusters run in parallel.
		IngressAddr: "-", SealInterval: 200 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	return c
}

// api calls the gateway as the admin user.
func api(t testing.TB, c *allinone.Cluster, method, path string, body []byte) (int, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, c.GatewayURL+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+c.Token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.HTTPClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	out, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, out
}

// applyManifest creates each document of a YAML file through the API.
func applyManifest(t *testing.T, c *allinone.Cluster, file string) {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	for _, doc := range strings.Split(string(data), "\n---") {
		js, err := yaml.YAMLToJSON([]byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		var head struct{ Kind string }
		_ = json.Unmarshal(js, &head)
		path := map[string]string{
			"Deployment": "/apis/apps/v1/namespaces/default/deployments",
			"Service":    "/api/v1/namespaces/default/services",
		}[head.Kind]
		if code, out := api(t, c, "POST", path, js); code != http.StatusCreated {
			t.Fatalf("create %s: %d %s", head.Kind, code, out)
		}
	}
}

// helloPods lists the pods of the hello Deployment.
func helloPods(t *testing.T, c *allinone.Cluster) []corev1.Pod {
	t.Helper()
	return appPods(t, c, "hello")
}

func isReady(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// waitHelloServing waits until n hello pods run, are ready, are listed in the
// Endpoints, and each answers /hi/x.
func waitHelloServing(t *testing.T, c *allinone.Cluster, n int) []corev1.Pod {
	t.Helper()
	var pods []corev1.Pod
	eventstest.Eventually(t, 60*time.Second, func() error {
		pods = helloPods(t, c)
		ready := 0
		for i := range pods {
			if pods[i].Status.Phase == corev1.PodRunning && isReady(&pods[i]) && pods[i].DeletionTimestamp == nil {
				ready++
			}
		}
		if ready != n || len(pods) != n {
			return fmt.Errorf("%d pods, %d running and ready, want %d", len(pods), ready, n)
		}
		code, out := api(t, c, "GET", "/api/v1/namespaces/default/endpoints/hello", nil)
		if code != 200 {
			return fmt.Errorf("endpoints: %d %s", code, out)
		}
		var ep corev1.Endpoints
		if err := json.Unmarshal(out, &ep); err != nil {
			return err
		}
		addrs := 0
		for _, s := range ep.Subsets {
			addrs += len(s.Addresses)
		}
		if addrs != n {
			return fmt.Errorf("endpoints list %d addresses, want %d", addrs, n)
		}
		// After a restart the log may still show the previous run's
		// status until the agent reports again, so serving is polled too.
		for _, p := range pods {
			url := fmt.Sprintf("http://%s:8080/hi/x", p.Status.PodIP)
			resp, err := http.Get(url)
			if err != nil {
				return fmt.Errorf("pod %s: %w", p.Name, err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if string(body) != "Hello World x!!" {
				return fmt.Errorf("pod %s at %s answered %q", p.Name, url, body)
			}
		}
		return nil
	})
	return pods
}

func TestUpRunsHelloDeployment(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	code, out := api(t, c, "GET", "/api/v1/nodes/node-1", nil)
	if code != 200 {
		t.Fatalf("node: %d %s", code, out)
	}
	applyManifest(t, c, "../examples/hello.yaml")
	pods := waitHelloServing(t, c, 3)

	// Every pod belongs to the ReplicaSet of the Deployment, which carries the
	// pod-template-hash and the revision annotation.
	code, out = api(t, c, "GET", "/apis/apps/v1/namespaces/default/replicasets?labelSelector=app%3Dhello", nil)
	var rsList appsv1.ReplicaSetList
	if err := json.Unmarshal(out, &rsList); err != nil || code != 200 || len(rsList.Items) != 1 {
		t.Fatalf("replicasets: %d %s", code, out)
	}
	rs := rsList.Items[0]
	hash := rs.Labels["pod-template-hash"]
	if hash == "" || rs.Annotations["deployment.kubernetes.io/revision"] != "1" || rs.OwnerReferences[0].Kind != "Deployment" {
		t.Fatalf("replicaset %s: labels %v annotations %v", rs.Name, rs.Labels, rs.Annotations)
	}
	for _, p := range pods {
		if p.Labels["pod-template-hash"] != hash || p.OwnerReferences[0].UID != rs.UID || p.Spec.NodeName != "node-1" {
			t.Fatalf("pod %s: labels %v owners %v node %q", p.Name, p.Labels, p.OwnerReferences, p.Spec.NodeName)
		}
	}
}

// snapshot lists every object of the kinds a user manages, keyed by kind/name,
// as the gateway answers them.
func snapshot(t *testing.T, c *allinone.Cluster) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, path := range []string{"/api/v1/namespaces", "/api/v1/nodes", "/api/v1/namespaces/default/services",
		"/apis/apps/v1/namespaces/default/deployments", "/apis/apps/v1/namespaces/default/replicasets",
		"/api/v1/namespaces/default/pods", "/api/v1/namespaces/default/endpoints"} {
		code, body := api(t, c, "GET", path, nil)
		if code != 200 {
			t.Fatalf("GET %s: %d %s", path, code, body)
		}
		var list struct {
			Items []json.RawMessage `json:"items"`
		}
		if err := json.Unmarshal(body, &list); err != nil {
			t.Fatal(err)
		}
		for _, item := range list.Items {
			var meta struct {
				Metadata struct{ Name string } `json:"metadata"`
			}
			_ = json.Unmarshal(item, &meta)
			out[path+"/"+meta.Metadata.Name] = string(item)
		}
	}
	return out
}

func TestUpRestartKeepsState(t *testing.T) {
	t.Parallel()
	data := t.TempDir()
	c := startCluster(t, data)
	applyManifest(t, c, "../examples/hello.yaml")
	before := waitHelloServing(t, c, 3)
	state := snapshot(t, c)
	if err := c.Stop(); err != nil {
		t.Fatal(err)
	}

	c2 := startCluster(t, data)
	// The gateway answers from the replayed log: every object is there; an
	// object with the same resourceVersion is byte-identical (services may
	// already have written newer versions of pods and their owners' status),
	// and objects no service writes after a restart are unchanged.
	after := snapshot(t, c2)
	for key, obj := range state {
		got, ok := after[key]
		if !ok {
			t.Fatalf("%s lost across restart", key)
		}
		if rv(t, got) == rv(t, obj) && got != obj {
			t.Fatalf("%s differs at the same resourceVersion:\n before %s\n after  %s", key, obj, got)
		}
		if rv(t, got) < rv(t, obj) {
			t.Fatalf("%s went back in time: %s", key, got)
		}
	}
	for _, key := range []string{"/api/v1/namespaces/default", "/api/v1/namespaces/default/services/hello"} {
		if after[key] != state[key] {
			t.Fatalf("%s changed across restart", key)
		}
	}
	// The agent restarts the pods it had: the same pods serve again.
	again := waitHelloServing(t, c2, 3)
	names := map[string]bool{}
	for _, p := range before {
		names[p.Name] = true
	}
	for _, p := range again {
		if !names[p.Name] {
			t.Fatalf("pod %s appeared after restart; want the same pods %v", p.Name, names)
		}
	}
	if _, err := os.Stat(filepath.Join(data, "kubeconfig")); err != nil {
		t.Fatal(err)
	}
}

func rv(t *testing.T, obj string) uint64 {
	t.Helper()
	var meta struct {
		Metadata struct{ ResourceVersion string } `json:"metadata"`
	}
	if err := json.Unmarshal([]byte(obj), &meta); err != nil {
		t.Fatal(err)
	}
	var n uint64
	fmt.Sscan(meta.Metadata.ResourceVersion, &n)
	return n
}
