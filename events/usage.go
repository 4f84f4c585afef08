package events

// Resource usage (kubectl top): each node agent publishes what its node and
// containers use on NodeUsageSubject every report interval, on core NATS
// and never into the log (it is a gauge, not history); the gateway keeps
// the latest report of each node and serves it as metrics.k8s.io.

// NodeUsageSubject is where a node agent publishes its usage report.
func NodeUsageSubject(node string) string { return NodeSubjectPrefix(node) + ".usage" }

// NodeUsageFilter matches every node's usage reports.
const NodeUsageFilter = NodeRoot + ".*.usage"

// Usage is what something used over a window: CPU in nanocores (a
// billionth of a core, as the kubelet's summary API counts it) and its
// memory working set in bytes.
type Usage struct {
	NanoCores   uint64 `json:"nanoCores"`
	MemoryBytes uint64 `json:"memoryBytes"`
}

// NodeUsage is one node's report: the node's own usage (when the agent
// can read its host's) and each running container's, by pod.
type NodeUsage struct {
	// Time is when the window ended, WindowSeconds its length.
	Time          int64   `json:"time"` // Unix nanoseconds
	WindowSeconds float64 `json:"windowSeconds"`
	// Node is nil when the agent does not read the host (hollow nodes).
	Node *Usage     `json:"node,omitempty"`
	Pods []PodUsage `json:"pods"`
}

// PodUsage is the usage of one pod's running containers.
type PodUsage struct {
	Namespace  string           `json:"namespace"`
	Name       string           `json:"name"`
	UID        string           `json:"uid"`
	Containers []ContainerUsage `json:"containers"`
}

// ContainerUsage is one container's usage.
type ContainerUsage struct {
	Name string `json:"name"`
	Usage
}
