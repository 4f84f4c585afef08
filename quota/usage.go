package quota

import (
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Object is one stored object a quota may count: its resource and itself.
type Object struct {
	Resource schema.GroupResource
	Object   runtime.Object
}

// standardCounts are the object counts Kubernetes names without "count/".
var standardCounts = map[corev1.ResourceName]string{
	corev1.ResourcePods:                   "pods",
	corev1.ResourceServices:               "services",
	corev1.ResourceReplicationControllers: "replicationcontrollers",
	corev1.ResourceQuotas:                 "resourcequotas",
	corev1.ResourceSecrets:                "secrets",
	corev1.ResourceConfigMaps:             "configmaps",
	corev1.ResourcePersistentVolumeClaims: "persistentvolumeclaims",
}

// podResources are the quota names a pod's containers charge.
var podResources = map[corev1.ResourceName]bool{
	corev1.ResourceCPU: true, corev1.ResourceMemory: true,
	corev1.ResourceRequestsCPU: true, corev1.ResourceRequestsMemory: true,
	corev1.ResourceLimitsCPU: true, corev1.ResourceLimitsMemory: true,
	corev1.ResourceEphemeralStorage: true, corev1.ResourceRequestsEphemeralStorage: true,
	corev1.ResourceLimitsEphemeralStorage: true,
}

// IsStandardName reports whether name is a quota resource Kubernetes knows
// without a fully qualified (domain/) name: a count, a compute resource,
// services.nodeports/loadbalancers, storage, or count/<resource>.
func IsStandardName(name corev1.ResourceName) bool {
	s := string(name)
	switch {
	case standardCounts[name] != "", podResources[name]:
		return true
	case name == corev1.ResourceServicesNodePorts, name == corev1.ResourceServicesLoadBalancers,
		name == corev1.ResourceRequestsStorage, name == corev1.ResourceStorage:
		return true
	case strings.HasPrefix(s, "count/") && len(s) > len("count/"):
		return true
	case strings.HasPrefix(s, "hugepages-"), strings.HasPrefix(s, "requests.hugepages-"):
		return true
	}
	return false
}

// IsIntegerName reports whether a quota name counts objects, so that its
// quantities must be whole numbers.
func IsIntegerName(name corev1.ResourceName) bool {
	return standardCounts[name] != "" || name == corev1.ResourceServicesNodePorts ||
		name == corev1.ResourceServicesLoadBalancers || strings.HasPrefix(string(name), "count/")
}

// Tracked are the resources whose objects the names in hard count.
func Tracked(hard corev1.ResourceList) []schema.GroupResource {
	seen := map[schema.GroupResource]bool{}
	var out []schema.GroupResource
	add := func(gr schema.GroupResource) {
		if !seen[gr] {
			seen[gr] = true
			out = append(out, gr)
		}
	}
	for name := range hard {
		s := string(name)
		switch {
		case podResources[name]:
			add(schema.GroupResource{Resource: "pods"})
		case standardCounts[name] != "":
			add(schema.GroupResource{Resource: standardCounts[name]})
		case name == corev1.ResourceServicesNodePorts, name == corev1.ResourceServicesLoadBalancers:
			add(schema.GroupResource{Resource: "services"})
		case strings.HasPrefix(s, "count/"):
			add(schema.ParseGroupResource(strings.TrimPrefix(s, "count/")))
		}
	}
	return out
}

// countName is the "count/" name of a resource: count/pods,
// count/deployments.apps.
func countName(gr schema.GroupResource) corev1.ResourceName {
	if gr.Group == "" {
		return corev1.ResourceName("count/" + gr.Resource)
	}
	return corev1.ResourceName("count/" + gr.Resource + "." + gr.Group)
}

// Usage is what one object charges a quota. A pod that has ended charges
// nothing: its resources are free again.
func Usage(o Object) corev1.ResourceList {
	out := corev1.ResourceList{}
	if pod, ok := o.Object.(*corev1.Pod); ok && terminal(pod) {
		return out
	}
	one := *resource.NewQuantity(1, resource.DecimalSI)
	out[countName(o.Resource)] = one
	if o.Resource.Group == "" {
		for name, res := range standardCounts {
			if res == o.Resource.Resource {
				out[name] = one
			}
		}
	}
	switch obj := o.Object.(type) {
	case *corev1.Pod:
		for name, q := range podUsage(obj) {
			out[name] = q
		}
	case *corev1.Service:
		switch obj.Spec.Type {
		case corev1.ServiceTypeLoadBalancer:
			out[corev1.ResourceServicesLoadBalancers] = one
			out[corev1.ResourceServicesNodePorts] = *resource.NewQuantity(int64(len(obj.Spec.Ports)), resource.DecimalSI)
		case corev1.ServiceTypeNodePort:
			out[corev1.ResourceServicesNodePorts] = *resource.NewQuantity(int64(len(obj.Spec.Ports)), resource.DecimalSI)
		}
	}
	return out
}

func terminal(pod *corev1.Pod) bool {
	return pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed
}

// podUsage is a pod's compute charge: the sum over its containers, or the
// largest init container's if larger (init containers run one at a time),
// plus the pod's overhead. cpu and memory are the requests' old names.
func podUsage(pod *corev1.Pod) corev1.ResourceList {
	requests := PodRequests(pod, func(c *corev1.Container) corev1.ResourceList { return c.Resources.Requests })
	limits := PodRequests(pod, func(c *corev1.Container) corev1.ResourceList { return c.Resources.Limits })
	out := corev1.ResourceList{}
	for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory, corev1.ResourceEphemeralStorage} {
		if q, ok := requests[r]; ok {
			out[r] = q
			out[corev1.ResourceName("requests."+string(r))] = q
		}
		if q, ok := limits[r]; ok {
			out[corev1.ResourceName("limits."+string(r))] = q
		}
	}
	return out
}

// PodRequests sums one list of a pod's containers (requests or limits) as
// the scheduler and quota do: max(sum of containers, each init container).
func PodRequests(pod *corev1.Pod, list func(*corev1.Container) corev1.ResourceList) corev1.ResourceList {
	sum := corev1.ResourceList{}
	for i := range pod.Spec.Containers {
		addTo(sum, list(&pod.Spec.Containers[i]))
	}
	for i := range pod.Spec.InitContainers {
		for name, q := range list(&pod.Spec.InitContainers[i]) {
			if cur, ok := sum[name]; !ok || q.Cmp(cur) > 0 {
				sum[name] = q.DeepCopy()
			}
		}
	}
	for name, q := range pod.Spec.Overhead {
		if cur, ok := sum[name]; ok {
			cur.Add(q)
			sum[name] = cur
		}
	}
	return sum
}

func addTo(sum, add corev1.ResourceList) {
	for name, q := range add {
		cur := sum[name]
		cur.Add(q)
		sum[name] = cur
	}
}

// Used sums the charges of a namespace's objects for the names hard
// tracks, each present (as 0 if nothing charges it), as Kubernetes reports
// status.used. Objects a quota's scopes exclude charge nothing.
func Used(q *corev1.ResourceQuota, objs []Object) corev1.ResourceList {
	used := corev1.ResourceList{}
	for name := range q.Spec.Hard {
		used[name] = *resource.NewQuantity(0, resource.DecimalSI)
	}
	for _, o := range objs {
		if !matchesScopes(q, o) {
			continue
		}
		for name, v := range Usage(o) {
			if cur, ok := used[name]; ok {
				cur.Add(v)
				used[name] = cur
			}
		}
	}
	return used
}

// matchesScopes reports whether a quota's scopes select the object. Scopes
// only select pods; a scoped quota counts nothing else.
func matchesScopes(q *corev1.ResourceQuota, o Object) bool {
	if len(q.Spec.Scopes) == 0 && q.Spec.ScopeSelector == nil {
		return true
	}
	pod, ok := o.Object.(*corev1.Pod)
	if !ok || q.Spec.ScopeSelector != nil {
		return false
	}
	for _, s := range q.Spec.Scopes {
		var in bool
		switch s {
		case corev1.ResourceQuotaScopeTerminating:
			in = pod.Spec.ActiveDeadlineSeconds != nil
		case corev1.ResourceQuotaScopeNotTerminating:
			in = pod.Spec.ActiveDeadlineSeconds == nil
		case corev1.ResourceQuotaScopeBestEffort:
			in = bestEffort(pod)
		case corev1.ResourceQuotaScopeNotBestEffort:
			in = !bestEffort(pod)
		}
		if !in {
			return false
		}
	}
	return true
}

func bestEffort(pod *corev1.Pod) bool {
	for _, cs := range [][]corev1.Container{pod.Spec.InitContainers, pod.Spec.Containers} {
		for _, c := range cs {
			if len(c.Resources.Requests) > 0 || len(c.Resources.Limits) > 0 {
				return false
			}
		}
	}
	return true
}
