package allinone_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/services/clusterdns"
	"github.com/jetplane/jetplane/services/nodeagent"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
	"github.com/jetplane/jetplane/services/serviceproxy"
	corev1 "k8s.io/api/core/v1"
)

// startSecondDockerNode runs another node agent and its service proxy on
// this host's Docker engine, beside the cluster's own node.
func startSecondDockerNode(t *testing.T, c *allinone.Cluster, node string) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{}, 2)
	t.Cleanup(func() {
		cancel()
		<-done
		<-done
	})
	agentLog, err := c.OpenAs(ctx, "jetplane-nodeagent-"+node, natslog.Identity{Role: natslog.RoleNode, Name: node})
	if err != nil {
		t.Fatal(err)
	}
	proxyLog, err := c.OpenAs(ctx, "jetplane-serviceproxy-"+node, natslog.Identity{Role: natslog.RoleProxy, Name: node})
	if err != nil {
		t.Fatal(err)
	}
	rt, err := runtime.NewDocker(ctx, runtime.DockerConfig{Node: node})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		defer func() { done <- struct{}{} }()
		_ = nodeagent.Run(ctx, nodeagent.Config{Log: agentLog, NodeName: node, Runtime: rt,
			ClusterDNS: []string{"10.96.0.10"}, ClusterDomain: clusterdns.DefaultDomain})
	}()
	go func() {
		defer func() { done <- struct{}{} }()
		// The host's data path is the cluster node's: this one finds the
		// table's lock taken and serves node ports only.
		_ = serviceproxy.Run(ctx, serviceproxy.Config{Log: proxyLog, Node: node, Address: nodeagent.HostIP,
			ClusterIPs: serviceproxy.ClusterIPsAuto})
	}()
	eventstest.Eventually(t, 60*time.Second, func() error {
		var n corev1.Node
		getJSON(t, c, &n, "node", node)
		for _, cond := range n.Status.Conditions {
			if cond.Type == corev1.NodeReady && cond.Status == corev1.ConditionTrue {
				return nil
			}
		}
		return fmt.Errorf("node %s not ready", node)
	})
}

// Two nodes on one Docker engine share one kernel: one data path serves
// both (one owner per host), so a pod on node A reaches, by name and by
// cluster IP, a Service whose endpoints all run on node B — also with
// internalTrafficPolicy Local, since both nodes are this host.
func TestDockerTwoNodesOnOneHost(t *testing.T) {
	cli := dockertest.Engine(t)
	dockertest.HelloImages(t, "1")
	dockertest.Toolbox(t)
	nodeA, nodeB := dockertest.NodeName(t), dockertest.NodeName(t)
	dockertest.RemoveNodeContainers(t, cli, nodeA)
	dockertest.RemoveNodeContainers(t, cli, nodeB)
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: t.TempDir(), GatewayAddr: "127.0.0.1:0",
		NATSPort: -1, Runtime: "docker", NodeName: nodeA, IngressAddr: "-", ClusterIPs: serviceproxy.ClusterIPsOn,
		DNSAddr: allinone.DNSAuto, DNSUpstreams: []string{stubResolver(t)}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	startSecondDockerNode(t, c, nodeB)

	onB := strings.Replace(clusterIPHello, "    spec:\n      containers:",
		"    spec:\n      nodeSelector: {kubernetes.io/hostname: "+nodeB+"}\n      containers:", 1)
	onB += `---
apiVersion: v1
kind: Service
metadata:
  name: dhello-local
spec:
  selector: {app: dhello}
  internalTrafficPolicy: Local
  ports:
  - {name: web, port: 8080, targetPort: http}
`
	kubectlIn(t, c, onB, "apply", "-f", "-")
	pods := dockerPods(t, c, cli, 3)
	for _, p := range pods {
		if p.Spec.NodeName != nodeB {
			t.Fatalf("pod %s on %s, want %s", p.Name, p.Spec.NodeName, nodeB)
		}
	}
	client := strings.Replace(toolboxPod("client-a", `for s in dhello dhello.default.svc.cluster.local dhello-local $DHELLO_SERVICE_HOST; do
  wget -qO- http://$s:8080/hi/$s; echo
done`), "spec:\n", "spec:\n  nodeSelector: {kubernetes.io/hostname: "+nodeA+"}\n", 1)
	kubectlIn(t, c, client, "apply", "-f", "-")
	out := podOutput(t, c, "client-a", 90*time.Second)
	var p corev1.Pod
	getJSON(t, c, &p, "pod", "client-a")
	if p.Spec.NodeName != nodeA {
		t.Fatalf("client on %s, want %s", p.Spec.NodeName, nodeA)
	}
	var svc corev1.Service
	getJSON(t, c, &svc, "svc", "dhello")
	want := []string{"Hello World dhello!!", "Hello World dhello.default.svc.cluster.local!!", "Hello World dhello-local!!",
		"Hello World " + svc.Spec.ClusterIP + "!!"}
	if got := strings.Split(strings.TrimSpace(out), "\n"); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("from node A to node B's pods:\n%s\nwant\n%s", out, strings.Join(want, "\n"))
	}
}
