package nodeagent

import (
	"context"
	"fmt"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/jetplane/jetplane/poddns"

	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	corev1 "k8s.io/api/core/v1"
)

// Runtime kinds an agent can run.
const (
	RuntimeDocker  = "docker"
	RuntimeProcess = "process"
	RuntimeHollow  = "hollow"
)

// RuntimeOptions choose and configure an agent's runtime.
type RuntimeOptions struct {
	// Kind is docker, process or hollow; empty: docker when a Docker
	// engine answers, else process.
	Kind      string
	NodeName  string // docker: the label of the node's containers
	ImagesDir string // process: <imagesDir>/<repo>/<name>/<tag>/entrypoint
	StateDir  string // process: records of what it started (a successor kills what a crash left)
	PodCIDR   string // hollow: where pod addresses come from
}

// NewRuntime makes the runtime o.Kind names. keepContainers tells whether
// its containers outlive the agent (docker), for Config.KeepContainers.
func NewRuntime(o RuntimeOptions) (rt runtime.Runtime, keepContainers bool, err error) {
	kind := o.Kind
	if kind == "" {
		kind = RuntimeProcess
		if runtime.DockerAvailable(context.Background(), "") == nil {
			kind = RuntimeDocker
		}
	}
	switch kind {
	case RuntimeDocker:
		rt, err = NewDockerRuntime(o.NodeName)
		return rt, true, err
	case RuntimeProcess:
		rt, err = NewProcessRuntime(o.ImagesDir, o.StateDir)
		return rt, false, err
	case RuntimeHollow:
		rt, err = NewHollowRuntime(o.PodCIDR)
		return rt, false, err
	}
	return nil, false, fmt.Errorf("runtime %q: want docker, process or hollow", kind)
}

// NewDockerRuntime is the Docker runtime of the node on the engine that
// $DOCKER_HOST names (else the default socket), which must answer. Its
// containers outlive the agent: run it with Config.KeepContainers, and a
// restarted agent adopts them.
func NewDockerRuntime(nodeName string) (runtime.Runtime, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	rt, err := runtime.NewDocker(ctx, runtime.DockerConfig{Node: nodeName})
	if err != nil {
		return nil, err
	}
	return rt, nil
}

// NewHollowRuntime is a hollow runtime for load tests, giving pods
// addresses from podCIDR (empty: a /24 of 10.0.0.0/8 of its own).
func NewHollowRuntime(podCIDR string) (runtime.Runtime, error) {
	rt, err := runtime.NewHollow(runtime.HollowConfig{PodCIDR: podCIDR})
	if err != nil {
		return nil, fmt.Errorf("hollow runtime: %w", err)
	}
	return rt, nil
}

// podIP gives a pod its address. A runtime with pod sandboxes (docker)
// makes the sandbox and its network assigns the address, unless the pod
// has finished: it runs nothing again, and keeps the address it had. Other
// runtimes allocate one, preferring the pod's own.
func podIP(ctx context.Context, rt runtime.Runtime, pod *corev1.Pod, dns poddns.Cluster, inUse func(string) bool) (string, error) {
	if s, ok := rt.(runtime.PodSandboxes); ok {
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			return pod.Status.PodIP, nil
		}
		dns.HostSearches = hostSearches()
		resolver := poddns.For(pod, dns)
		return s.RunPodSandbox(ctx, runtime.PodRef{UID: string(pod.UID), Namespace: pod.Namespace, Name: pod.Name, DNS: &resolver})
	}
	return rt.AllocateIP(string(pod.UID), pod.Status.PodIP, inUse)
}

// hostSearches are the node's search domains, from its resolv.conf, read
// once (the kubelet's --resolv-conf).
var hostSearches = sync.OnceValue(func() []string {
	b, err := os.ReadFile("/etc/resolv.conf")
	if err != nil {
		return nil
	}
	var out []string
	for _, line := range strings.Split(string(b), "\n") {
		if f := strings.Fields(line); len(f) > 1 && (f[0] == "search" || f[0] == "domain") {
			out = f[1:] // the last search or domain line wins, as in resolv.conf(5)
		}
	}
	return out
})
