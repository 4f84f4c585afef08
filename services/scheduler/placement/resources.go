package placement

import (
	corev1 "k8s.io/api/core/v1"
)

// DefaultMaxPods is the pod capacity of a node that does not state one
// (the kubelet's default).
const DefaultMaxPods = 110

// Requests are the resources a pod asks for, in milli-cpu and bytes.
type Requests struct {
	MilliCPU int64
	Memory   int64
}

func (r *Requests) add(o Requests) {
	r.MilliCPU += o.MilliCPU
	r.Memory += o.Memory
}

func (r *Requests) atLeast(o Requests) {
	r.MilliCPU = max(r.MilliCPU, o.MilliCPU)
	r.Memory = max(r.Memory, o.Memory)
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

// PodRequests is what the scheduler reserves for a pod, as Kubernetes counts
// it: the sum of the app containers' requests, or the largest init
// container's if that is more (init containers run one at a time, before the
// others), plus the pod overhead. A container without requests counts 0.
func PodRequests(p *corev1.Pod) Requests {
	var sum Requests
	for i := range p.Spec.Containers {
		sum.add(fromList(p.Spec.Containers[i].Resources.Requests))
	}
	for i := range p.Spec.InitContainers {
		sum.atLeast(fromList(p.Spec.InitContainers[i].Resources.Requests))
	}
	sum.add(fromList(p.Spec.Overhead))
	return sum
}

// capacity is what a node offers to pods.
type capacity struct {
	Requests
	Pods int64
}

// allocatable reads status.allocatable, falling back to status.capacity as
// the API server's defaulting does when a node reports no allocatable.
func allocatable(n *corev1.Node) capacity {
	list := n.Status.Allocatable
	if list == nil {
		list = n.Status.Capacity
	}
	c := capacity{Requests: fromList(list), Pods: DefaultMaxPods}
	if q, ok := list[corev1.ResourcePods]; ok {
		c.Pods = q.Value()
	}
	return c
}

// usage sums what the pods bound to a node hold. Pods that have finished
// (Succeeded, Failed) hold nothing any more.
func usage(pods []*corev1.Pod) capacity {
	var u capacity
	for _, p := range pods {
		if isTerminal(p) {
			continue
		}
		u.Pods++
		u.add(PodRequests(p))
	}
	return u
}

func isTerminal(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// fraction is used/total, 0 when the node offers none of that resource.
func fraction(used, total int64) float64 {
	if total <= 0 {
		return 0
	}
	return float64(used) / float64(total)
}
