package allinone_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
	corev1 "k8s.io/api/core/v1"
)

const volumesPod = `apiVersion: v1
kind: Pod
metadata: {name: vols, labels: {app: vols, tier: web}}
spec:
  containers:
  - name: main
    image: jetplane/toolbox:1
    imagePullPolicy: Never
    command: [sh, -c, 'echo shared-by-main > /scratch/note; sleep 3600']
    volumeMounts:
    - {name: config, mountPath: /etc/config}
    - {name: config, mountPath: /etc/greeting.txt, subPath: greeting}
    - {name: creds, mountPath: /etc/creds, readOnly: true}
    - {name: info, mountPath: /etc/podinfo}
    - {name: scratch, mountPath: /scratch}
    - {name: cache, mountPath: /cache}
    - {name: host, mountPath: /host}
    - {name: all, mountPath: /etc/all}
  - name: side
    image: jetplane/toolbox:1
    imagePullPolicy: Never
    command: [sleep, "3600"]
    volumeMounts:
    - {name: scratch, mountPath: /shared}
  volumes:
  - name: config
    configMap: {name: app-config}
  - name: creds
    secret:
      secretName: app-secret
      defaultMode: 0400
      items: [{key: password, path: db/password}]
  - name: info
    downwardAPI:
      items:
      - {path: labels, fieldRef: {fieldPath: metadata.labels}}
      - {path: name, fieldRef: {fieldPath: metadata.name}, mode: 0600}
  - name: scratch
    emptyDir: {}
  - name: cache
    emptyDir: {medium: Memory, sizeLimit: 16Mi}
  - name: host
    hostPath: {path: HOSTDIR, type: DirectoryOrCreate}
  - name: all
    projected:
      sources:
      - configMap: {name: app-config, items: [{key: greeting, path: hello}]}
      - secret: {name: app-secret}
      - downwardAPI: {items: [{path: ns, fieldRef: {fieldPath: metadata.namespace}}]}
`

// Volumes on the Docker runtime: the kubelet's volume types as bind mounts
// of the pod's directory on the node; a ConfigMap's update shows in the
// mounted files (not through a subPath, nor in env), a missing one leaves
// the pod ContainerCreating.
func TestDockerVolumes(t *testing.T) {
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
	t.Cleanup(func() { unmountUnder(dataDir) }) // a memory emptyDir left by a failure (cleanups run last first)
	hostDir := filepath.Join(t.TempDir(), "made-by-the-agent")
	kubectlIn(t, c, strings.Replace(volumesPod, "HOSTDIR", hostDir, 1), "apply", "-f", "-")
	eventstest.Eventually(t, 60*time.Second, func() error {
		var p corev1.Pod
		getJSON(t, c, &p, "pod", "vols")
		for _, s := range p.Status.ContainerStatuses {
			if w := s.State.Waiting; w != nil && w.Reason == "ContainerCreating" &&
				w.Message == `MountVolume.SetUp failed for volume "config" : configmap "app-config" not found` {
				return nil
			}
		}
		return fmt.Errorf("vols: %+v", p.Status.ContainerStatuses)
	})
	kubectl(t, c, "create", "configmap", "app-config", "--from-literal=greeting=hello", "--from-literal=mode=fast")
	kubectl(t, c, "create", "secret", "generic", "app-secret", "--from-literal=password=hunter2")
	eventstest.Eventually(t, 60*time.Second, func() error {
		var p corev1.Pod
		getJSON(t, c, &p, "pod", "vols")
		if !isReady(&p) {
			return fmt.Errorf("vols: %s %+v", p.Status.Phase, p.Status.ContainerStatuses)
		}
		return nil
	})
	sh := func(container, script string) string {
		t.Helper()
		out, errOut, code := kubectlRun(t, c, "", "exec", "vols", "-c", container, "--", "sh", "-c", script)
		if code != 0 {
			t.Fatalf("exec %q: %s %s", script, out, errOut)
		}
		return out
	}
	for script, want := range map[string]string{
		"cat /etc/config/greeting /etc/config/mode":                      "hellofast",
		"cat /etc/greeting.txt":                                          "hello",
		"cat /etc/creds/db/password; stat -Lc %a /etc/creds/db/password": "hunter2400\n",
		"cat /etc/podinfo/name; stat -Lc %a /etc/podinfo/name":           "vols600\n",
		"cat /etc/podinfo/labels":                                        "app=\"vols\"\ntier=\"web\"",
		"cat /etc/all/hello /etc/all/password /etc/all/ns":               "hellohunter2default",
		"grep ' /cache ' /proc/mounts | cut -d' ' -f3":                   "tmpfs\n",
		"touch /host/from-the-pod && echo ok":                            "ok\n",
		// The API access volume every pod gets: a JWT, the CA, the namespace.
		"cd /var/run/secrets/kubernetes.io/serviceaccount && head -c 3 token && cat namespace && grep -c CERTIFICATE ca.crt": "eyJdefault2\n",
	} {
		if got := sh("main", script); got != want {
			t.Errorf("%s: %q, want %q", script, got, want)
		}
	}
	if got := sh("side", "cat /shared/note"); got != "shared-by-main\n" {
		t.Errorf("the emptyDir between containers: %q", got)
	}
	if _, err := os.Stat(filepath.Join(hostDir, "from-the-pod")); err != nil {
		t.Errorf("the hostPath: %v", err)
	}
	// An update of the ConfigMap reaches the mounted files, whole.
	kubectl(t, c, "patch", "configmap", "app-config", "-p", `{"data":{"greeting":"changed","extra":"new"}}`)
	eventstest.Eventually(t, 60*time.Second, func() error {
		got, errOut, _ := kubectlRun(t, c, "", "exec", "vols", "--", "sh", "-c", "cat /etc/config/greeting /etc/config/extra /etc/all/hello")
		if got != "changednewchanged" {
			return fmt.Errorf("after the update: %q %q", got, errOut)
		}
		return nil
	})
	if got := sh("main", "cat /etc/greeting.txt"); got != "hello" {
		t.Errorf("a subPath mount changed with its ConfigMap: %q", got)
	}
	// The pod gone, so is its directory on the node.
	kubectl(t, c, "delete", "pod", "vols", "--grace-period=1")
	podsDir := filepath.Join(dataDir, "nodes", node, "pods")
	eventstest.Eventually(t, 60*time.Second, func() error {
		left, _ := os.ReadDir(podsDir)
		if len(left) > 0 {
			return fmt.Errorf("%d pod directories left in %s", len(left), podsDir)
		}
		return nil
	})
}

// unmountUnder unmounts what is mounted under dir (memory emptyDirs of
// pods a failed test left), so that the test's directory can go.
func unmountUnder(dir string) {
	mounts, _ := os.ReadFile("/proc/mounts")
	for _, line := range strings.Split(string(mounts), "\n") {
		if f := strings.Fields(line); len(f) > 1 && strings.HasPrefix(f[1], dir+"/") {
			_ = syscall.Unmount(f[1], syscall.MNT_DETACH)
		}
	}
}
