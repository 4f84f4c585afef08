package allinone_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
)

// configPod reads its environment from a ConfigMap, a Secret and the
// downward API, and prints it.
const configPod = `apiVersion: v1
kind: Pod
metadata: {name: conf, labels: {app: conf}}
spec:
  containers:
  - name: app
    image: jetplane/hello:1
    command: [sh, -c, 'env | sort; echo "args: $0 $1"; sleep 3600', '$(GREETING)', '$$(GREETING)']
    envFrom:
    - {prefix: CFG_, configMapRef: {name: app-config}}
    - secretRef: {name: app-secret}
    env:
    - {name: GREETING, valueFrom: {configMapKeyRef: {name: app-config, key: greeting}}}
    - {name: DB_PASSWORD, valueFrom: {secretKeyRef: {name: app-secret, key: password}}}
    - {name: MISSING_OK, valueFrom: {configMapKeyRef: {name: nowhere, key: x, optional: true}}}
    - {name: POD_NAME, valueFrom: {fieldRef: {fieldPath: metadata.name}}}
    - {name: POD_APP, valueFrom: {fieldRef: {fieldPath: "metadata.labels['app']"}}}
    - {name: NODE, valueFrom: {fieldRef: {fieldPath: spec.nodeName}}}
    - {name: MEM_MI, valueFrom: {resourceFieldRef: {resource: limits.memory, divisor: 1Mi}}}
    - {name: HELLO, value: "$(GREETING), $(POD_NAME)"}
    resources: {limits: {memory: 64Mi}}
`

// A container's environment from ConfigMaps, Secrets (which the node asks
// the control plane for: they are sealed in the log) and the downward API;
// missing, the container waits in CreateContainerConfigError and starts
// once what it needs exists.
func TestProcessPodEnvironment(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	kubectlIn(t, c, configPod, "apply", "-f", "-")
	eventstest.Eventually(t, 60*time.Second, func() error {
		var p corev1.Pod
		getJSON(t, c, &p, "pod", "conf")
		for _, s := range p.Status.ContainerStatuses {
			if w := s.State.Waiting; w != nil && w.Reason == "CreateContainerConfigError" && w.Message == `configmap "app-config" not found` {
				return nil
			}
		}
		return fmt.Errorf("conf: %+v", p.Status.ContainerStatuses)
	})
	kubectl(t, c, "create", "configmap", "app-config", "--from-literal=greeting=hello", "--from-literal=level=3")
	eventstest.Eventually(t, 60*time.Second, func() error {
		var p corev1.Pod
		getJSON(t, c, &p, "pod", "conf")
		for _, s := range p.Status.ContainerStatuses {
			if w := s.State.Waiting; w != nil && w.Reason == "CreateContainerConfigError" && w.Message == `secret "app-secret" not found` {
				return nil
			}
		}
		return fmt.Errorf("conf: %+v", p.Status.ContainerStatuses)
	})
	kubectl(t, c, "create", "secret", "generic", "app-secret", "--from-literal=password=hunter2", "--from-literal=TOKEN=t0k")
	var out string
	eventstest.Eventually(t, 60*time.Second, func() error {
		var errOut string
		out, errOut, _ = kubectlRun(t, c, "", "logs", "conf")
		if !strings.Contains(out, "args: ") {
			var p corev1.Pod
			getJSON(t, c, &p, "pod", "conf")
			return fmt.Errorf("conf printed %q %q: %+v", out, errOut, p.Status.ContainerStatuses)
		}
		return nil
	})
	for _, want := range []string{"CFG_greeting=hello\n", "CFG_level=3\n", "TOKEN=t0k\n", "password=hunter2\n", "GREETING=hello\n",
		"DB_PASSWORD=hunter2\n", "POD_NAME=conf\n", "POD_APP=conf\n", "NODE=node-1\n", "MEM_MI=64\n", "HELLO=hello, conf\n",
		"args: hello $(GREETING)\n"} {
		if !strings.Contains(out, want) {
			t.Errorf("conf's environment lacks %q:\n%s", want, out)
		}
	}
	if strings.Contains(out, "MISSING_OK") {
		t.Errorf("an optional reference to a missing ConfigMap was set:\n%s", out)
	}
	// A node gets the Secrets of its own pods only.
	ctx := context.Background()
	node1, err := c.OpenAs(ctx, "test-node-1", natslog.Identity{Role: natslog.RoleNode, Name: "node-1"})
	if err != nil {
		t.Fatal(err)
	}
	defer node1.Close()
	if data, err := node1.FetchSecret(ctx, "node-1", "default", "app-secret"); err != nil || string(data["password"]) != "hunter2" {
		t.Fatalf("node-1 fetches its pod's Secret: %v", err)
	}
	kubectl(t, c, "create", "secret", "generic", "unused", "--from-literal=k=v")
	if _, err := node1.FetchSecret(ctx, "node-1", "default", "unused"); !errors.Is(err, events.ErrSecretRefused) {
		t.Fatalf("node-1 fetches a Secret no pod of its uses: %v", err)
	}
	other, err := c.OpenAs(ctx, "test-node-2", natslog.Identity{Role: natslog.RoleNode, Name: "node-2"})
	if err != nil {
		t.Fatal(err)
	}
	defer other.Close()
	if _, err := other.FetchSecret(ctx, "node-2", "default", "app-secret"); !errors.Is(err, events.ErrSecretRefused) {
		t.Fatalf("node-2 fetches node-1's pod's Secret: %v", err)
	}
	short, cancel := context.WithTimeout(ctx, 2*time.Second) // NATS drops the forged request: no answer comes
	defer cancel()
	if _, err := other.FetchSecret(short, "node-1", "default", "app-secret"); err == nil {
		t.Fatal("node-2 asked as node-1 and got the Secret")
	}
	// The environment is read at start: a changed ConfigMap changes nothing.
	kubectl(t, c, "patch", "configmap", "app-config", "-p", `{"data":{"greeting":"changed"}}`)
	if env, _, _ := kubectlRun(t, c, "", "exec", "conf", "--", "sh", "-c", "echo $GREETING"); env != "hello\n" {
		t.Fatalf("after a ConfigMap change: %q", env)
	}
}
