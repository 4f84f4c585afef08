package replicacontroller

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/jetplane/jetplane/services/replicacontroller/nodelifecycle"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
)

// NodeLifecycleConfig sets the node lifecycle's grace period (heartbeat age
// after which a node is Unknown) and eviction timeout (how long pods with no
// toleration of their own stay on an unreachable node); zero: Kubernetes'
// defaults, 40s and 300s.
type NodeLifecycleConfig = nodelifecycle.Config

var (
	nodesResource = events.MustLookup("nodes")
	podResource   = events.MustLookup("pods")
)

// nodeLifecycle is the shell of the node lifecycle: it watches node
// heartbeats in the leases bucket and Nodes and their pods in the replica
// controller's projection, and writes what nodelifecycle decides per node.
type nodeLifecycle struct {
	cfg    nodelifecycle.Config
	proj   *projections.Projection
	writer *controller.Writer
	now    func() time.Time
	logger *logrus.Entry
	part   *controller.Service
	queue  *controller.Queue
	leases *heartbeats
}

// nodeLifecycle declares the node lifecycle as a part of the replica
// controller: a loop of its own over the controller's projection and writer.
func (c *replicaController) nodeLifecycle() *controller.Service {
	nl := &nodeLifecycle{
		cfg:    c.cfg.NodeLifecycle.WithDefaults(),
		proj:   c.proj,
		writer: c.writer,
		now:    c.cfg.Now,
		logger: c.log.WithField("loop", "nodelifecycle"),
		// Heartbeats count from now for nodes not heard since: a controller
		// that (re)starts gives every node a full grace period, as Kubernetes does.
		leases: newHeartbeats(c.cfg.Now()),
	}
	nl.part = &controller.Service{Name: Name + "/nodelifecycle", Workers: 1, Resync: nl.cfg.GracePeriod / 2,
		Keys: nl.nodeNames, OnApply: nl.onApply, Reconcile: nl.reconcile}
	nl.queue = nl.part.Queue()
	kv := c.cfg.Log.Leases()
	nl.part.Background = []func(context.Context){func(ctx context.Context) {
		nl.leases.watch(ctx, kv, nl.now, nl.queue.Add, nl.logger)
	}}
	return nl.part
}

func (nl *nodeLifecycle) nodeNames() []string {
	var names []string
	for _, e := range nl.proj.State().List("nodes", "", nil) {
		names = append(names, e.Name)
	}
	return names
}

// onApply queues a node when it changes or a pod bound to it does. A new
// heartbeat time in the node's Ready condition counts as a heartbeat too (as
// in Kubernetes): the agent that comes back reports its node before it
// renews its lease.
func (nl *nodeLifecycle) onApply(prev, cur *projections.Entry, _ *events.Event) {
	switch cur.Resource {
	case "nodes":
		if hb := readyHeartbeat(cur); !hb.IsZero() && !hb.Equal(readyHeartbeat(prev)) {
			nl.leases.heard(cur.Name, nl.now())
		}
		nl.queue.Add(cur.Name)
	case "pods":
		for _, e := range []*projections.Entry{prev, cur} {
			if e != nil && !e.Deleted() {
				if p, ok := e.Object.(*corev1.Pod); ok && p.Spec.NodeName != "" {
					nl.queue.Add(p.Spec.NodeName)
				}
			}
		}
	}
}

// reconcile decides one node and writes the result: the node's status, then
// its taints (chained on the status write), then each pod's change.
func (nl *nodeLifecycle) reconcile(ctx context.Context, name string) (time.Duration, error) {
	st := nl.proj.State()
	e := st.Live("nodes", "", name)
	if e == nil {
		nl.leases.forget(name)
		nl.part.Forget(name)
		return 0, nil
	}
	var pods []*corev1.Pod
	for _, pe := range st.PodsOnNode(name) {
		if p, ok := pe.Object.(*corev1.Pod); ok {
			pods = append(pods, p)
		}
	}
	now := nl.now()
	res := nodelifecycle.Decide(nl.cfg, nodelifecycle.Input{Node: e.Object.(*corev1.Node), Heartbeat: nl.leases.last(name),
		Pods: pods, Now: now})
	log := nl.logger.WithField("key", name)
	cause := e.Cause()
	expected := e.Seq
	for _, w := range []struct {
		node   *corev1.Node
		change string
		what   string
	}{{res.Status, events.StatusChange, "node status unknown: heartbeat older than the grace period"},
		{res.Taints, events.Updated, "node taints follow its Ready condition"}} {
		if w.node == nil {
			continue
		}
		if err := nl.writer.Apply(ctx, events.Write{Resource: nodesResource, Change: w.change, Object: w.node, Expected: expected, Cause: cause}); err != nil {
			return 0, fmt.Errorf("node %s: %w", name, err)
		}
		seq, _ := events.ParseRV(w.node.ResourceVersion)
		log.WithField("seq", seq).Info(w.what)
		expected = seq
	}
	for _, p := range res.Unready {
		if err := nl.writePod(ctx, p, "unready", now, cause); err != nil {
			return 0, err
		}
	}
	for _, p := range res.Evict {
		if err := nl.writePod(ctx, p, events.Deleted, now, cause); err != nil {
			return 0, err
		}
		log.WithFields(logrus.Fields{"pod": p.Namespace + "/" + p.Name, "seq": p.ResourceVersion}).Info("evicted pod from node")
	}
	return res.Requeue, nil
}

// writePod appends a pod's change with CAS on the sequence the decision
// read; a deletion goes through the graceful deletion rule (a bound pod is
// marked terminating, and its controller replaces it).
func (nl *nodeLifecycle) writePod(ctx context.Context, p *corev1.Pod, change string, now time.Time, cause events.Cause) error {
	seq, err := events.ParseRV(p.ResourceVersion)
	if err != nil {
		return fmt.Errorf("pod %s/%s: %w", p.Namespace, p.Name, err)
	}
	w := events.Write{Resource: podResource, Change: change, Object: p, Expected: seq}
	if change == events.Deleted {
		w = events.DeleteWrite(podResource, p, seq, -1, now)
	}
	w.Cause = cause
	if err := nl.writer.Apply(ctx, w); err != nil {
		return fmt.Errorf("pod %s/%s %s: %w", p.Namespace, p.Name, w.Change, err)
	}
	return nil
}

// heartbeats remembers, per node, the lease revision last seen and when (by
// our clock) it was seen to change.
type heartbeats struct {
	mu      sync.Mutex
	started time.Time
	seen    map[string]heartbeat
}

type heartbeat struct {
	revision uint64
	at       time.Time
}

func newHeartbeats(started time.Time) *heartbeats {
	return &heartbeats{started: started, seen: map[string]heartbeat{}}
}

// last is when node was last heard, or when watching began.
func (h *heartbeats) last(node string) time.Time {
	h.mu.Lock()
	defer h.mu.Unlock()
	if hb, ok := h.seen[node]; ok {
		return hb.at
	}
	return h.started
}

// saw records a lease revision; it reports whether it is a new one.
func (h *heartbeats) saw(node string, revision uint64, at time.Time) bool {
	h.mu.Lock()
	defer h.mu.Unlock()
	if hb, ok := h.seen[node]; ok && hb.revision >= revision {
		return false
	}
	h.seen[node] = heartbeat{revision: revision, at: at}
	return true
}

// heard records a heartbeat other than a lease renewal.
func (h *heartbeats) heard(node string, at time.Time) {
	h.mu.Lock()
	defer h.mu.Unlock()
	hb := h.seen[node]
	hb.at = at
	h.seen[node] = hb
}

// readyHeartbeat is the heartbeat time of a node entry's Ready condition.
func readyHeartbeat(e *projections.Entry) time.Time {
	if e == nil || e.Deleted() {
		return time.Time{}
	}
	if n, ok := e.Object.(*corev1.Node); ok {
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady {
				return c.LastHeartbeatTime.Time
			}
		}
	}
	return time.Time{}
}

func (h *heartbeats) forget(node string) {
	h.mu.Lock()
	delete(h.seen, node)
	h.mu.Unlock()
}
