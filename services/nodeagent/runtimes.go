package nodeagent

import (
	"context"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	corev1 "k8s.io/api/core/v1"
)

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
func podIP(ctx context.Context, rt runtime.Runtime, pod *corev1.Pod, inUse func(string) bool) (string, error) {
	if s, ok := rt.(runtime.PodSandboxes); ok {
		if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
			return pod.Status.PodIP, nil
		}
		return s.RunPodSandbox(ctx, runtime.PodRef{UID: string(pod.UID), Namespace: pod.Namespace, Name: pod.Name})
	}
	return rt.AllocateIP(string(pod.UID), pod.Status.PodIP, inUse)
}
