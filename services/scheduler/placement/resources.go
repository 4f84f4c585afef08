package placement

import (
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	resourcehelper "k8s.io/component-helpers/resource"
)

// DefaultMaxPods is the pod capacity of a node that does not state one
// (the kubelet's default).
const DefaultMaxPods = 110

// Scoring counts a container without requests as asking for this much, as
// kube-scheduler does (DefaultMilliCPURequest, DefaultMemoryRequest), so pods
// without requests still spread instead of piling onto one node.
const (
	DefaultMilliCPURequest = 100
	DefaultMemoryRequest   = 200 << 20
)

// nonZeroDefaults fills missing container requests for scoring.
var nonZeroDefaults = corev1.ResourceList{
	corev1.ResourceCPU:    *resource.NewMilliQuantity(DefaultMilliCPURequest, resource.DecimalSI),
	corev1.ResourceMemory: *resource.NewQuantity(DefaultMemoryRequest, resource.BinarySI),
}

// Requests are amounts of the resources the scheduler accounts: milli-cpu
// and bytes of memory.
type Requests struct {
	MilliCPU int64
	Memory   int64
}

func (r *Requests) add(o Requests) {
	r.MilliCPU += o.MilliCPU
	r.Memory += o.Memory
}

func (r *Requests) sub(o Requests) {
	r.MilliCPU -= o.MilliCPU
	r.Memory -= o.Memory
}

func fromList(l corev1.ResourceList) Requests {
	var r Requests
	if q, ok := l[corev1.ResourceCPU]; ok {
		r.MilliCPU = q.MilliValue()
	}
	if q, ok := l[corev1.ResourceMemory]; ok {
		r.Memory = q.Value()
	}
	return r
}

// PodRequests is what a node must have free for the pod, computed by the
// Kubernetes helper the scheduler and kubelet use: app containers summed,
// init containers at their peak (sidecars, i.e. restartable init containers,
// stay counted alongside), pod-level requests when set, plus overhead. A
// container without requests asks for nothing.
func PodRequests(p *corev1.Pod) Requests {
	return fromList(resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{}))
}

// podScoreRequests is PodRequests with the scoring defaults for containers
// that state no request.
func podScoreRequests(p *corev1.Pod) Requests {
	return fromList(resourcehelper.PodRequests(p, resourcehelper.PodResourcesOptions{NonMissingContainerRequests: nonZeroDefaults}))
}

// Capacity is what a node offers to pods.
type Capacity struct {
	Requests
	Pods int64
}

// allocatable reads status.allocatable, falling back to status.capacity as
// the API server's defaulting does when a node reports no allocatable.
func allocatable(n *corev1.Node) Capacity {
	list := n.Status.Allocatable
	if list == nil {
		list = n.Status.Capacity
	}
	c := Capacity{Requests: fromList(list), Pods: DefaultMaxPods}
	if q, ok := list[corev1.ResourcePods]; ok {
		c.Pods = q.Value()
	}
	return c
}

func isTerminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// HoldsCapacity tells whether a pod occupies room on its node: bound and not
// finished. A pod being deleted still holds its room until it is gone.
func HoldsCapacity(p *corev1.Pod) bool {
	return p.Spec.NodeName != "" && !isTerminal(p)
}
