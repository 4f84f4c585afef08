package nodelifecycle

import (
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Defaults, as Kubernetes ships them.
const (
	DefaultGracePeriod     = 40 * time.Second  // kube-controller-manager --node-monitor-grace-period
	DefaultEvictionTimeout = 300 * time.Second // DefaultTolerationSeconds for not-ready and unreachable
)

// Config holds the two durations of the node lifecycle.
type Config struct {
	// GracePeriod: a node whose heartbeat is older is no longer known to be Ready.
	GracePeriod time.Duration
	// EvictionTimeout: how long a pod stays on an unreachable or not-ready
	// node when it has no toleration of its own for that taint.
	EvictionTimeout time.Duration
}

// WithDefaults fills the durations left zero.
func (c Config) WithDefaults() Config {
	if c.GracePeriod <= 0 {
		c.GracePeriod = DefaultGracePeriod
	}
	if c.EvictionTimeout <= 0 {
		c.EvictionTimeout = DefaultEvictionTimeout
	}
	return c
}

// Input is one node as the controller sees it.
type Input struct {
	Node *corev1.Node
	// Heartbeat is when the controller last saw the node's lease renewed, by
	// its own clock (or when it began watching, for a node not heard since):
	// clocks of nodes and controller need not agree.
	Heartbeat time.Time
	Pods      []*corev1.Pod // bound to the node
	Now       time.Time
}

// Result lists the changes to make, in order. The node writes chain: Taints,
// when set, is Status (or the input node) with its taints changed too.
type Result struct {
	Status *corev1.Node // conditions changed; nil: unchanged
	Taints *corev1.Node // taints changed; nil: unchanged
	// Unready are copies of pods whose Ready condition turned False.
	Unready []*corev1.Pod
	// Evict are copies of pods to delete now (gracefully).
	Evict []*corev1.Pod
	// Requeue is when to decide again (a heartbeat or an eviction falling
	// due); 0 when nothing is due.
	Requeue time.Duration
}

// Decide is the node lifecycle of one node at in.Now.
func Decide(cfg Config, in Input) Result {
	cfg = cfg.WithDefaults()
	var res Result
	node := in.Node
	deadline := in.Heartbeat.Add(cfg.GracePeriod)
	if !in.Now.Before(deadline) {
		if n, changed := markUnknown(node, in.Now); changed {
			res.Status, node = n, n
		}
	} else {
		res.Requeue = deadline.Sub(in.Now)
	}
	if n, changed := reconcileTaints(node, in.Now); changed {
		res.Taints, node = n, n
	}
	ready := readyStatus(node)
	for _, p := range in.Pods {
		if p.Spec.NodeName != node.Name || p.DeletionTimestamp != nil {
			continue
		}
		if ready != corev1.ConditionTrue {
			if u, changed := markPodUnready(p, in.Now); changed {
				res.Unready = append(res.Unready, u)
			}
		}
		due, ok := evictionDue(cfg, node.Spec.Taints, p.Spec.Tolerations)
		switch {
		case !ok:
		case !in.Now.Before(due):
			res.Evict = append(res.Evict, evicted(p, node.Name, ready))
		default:
			res.Requeue = earliest(res.Requeue, due.Sub(in.Now))
		}
	}
	return res
}

func earliest(a, b time.Duration) time.Duration {
	if a == 0 || b < a {
		return b
	}
	return a
}
