package replicacontroller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/examples/hello/helloimage"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/nodeagent"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/runtimetest"
	"github.com/jetplane/jetplane/services/nodereports"
	"github.com/jetplane/jetplane/services/replicacontroller/nodelifecycle"
	"github.com/jetplane/jetplane/services/scheduler"
	corev1 "k8s.io/api/core/v1"
)

func TestNodeLeasePrefixIsTheAgents(t *testing.T) {
	t.Parallel()
	if got := nodeagent.LeaseKey("n1"); got != events.NodeLeasePrefix+"n1" {
		t.Fatalf("agent lease key %q, watched prefix %q", got, events.NodeLeasePrefix)
	}
}

// runUntilCleanup runs fn in the background until the test ends or the
// returned stop is called, and reports its error.
func runUntilCleanup(t *testing.T, what string, fn func(ctx context.Context) error) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- fn(ctx) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil && !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v", what, err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// startAgent runs a node agent on a process runtime of its own (pod
// addresses 127.<octet>.x.y) and returns it with its stop.
func startAgent(t *testing.T, log *natslog.Log, images, node string, octet int) (runtime.Runtime, func()) {
	t.Helper()
	rt, err := runtime.NewProcess(runtime.ProcessConfig{ImagesDir: images, SecondOctetMin: octet, SecondOctetMax: octet})
	if err != nil {
		t.Fatal(err)
	}
	nodereports.ServeForTest(t, log)
	stop := runUntilCleanup(t, "agent "+node, func(ctx context.Context) error {
		return nodeagent.Run(ctx, nodeagent.Config{Log: log, NodeName: node, Runtime: rt, Heartbeat: 200 * time.Millisecond})
	})
	return rt, stop
}

// TestNodeFailureEvictsAndReplacesPods: three agents run six hello pods of
// a Deployment; one agent stops. Its node turns Unknown and tainted, its
// pods unready, then evicted (terminating, reason NodeLost) and replaced on
// the two others. When the agent comes back, its node is Ready and
// untainted again, it deletes the evicted pods without starting them, and
// six pods run, none twice.
func TestNodeFailureEvictsAndReplacesPods(t *testing.T) {
	t.Parallel()
	images := runtimetest.SharedDir(t) // pods run as nobody: it must reach the images
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := helloimage.Build(ctx, images, "1"); err != nil {
		t.Fatal(err)
	}
	log := eventstest.Log(t)
	view := projections.New(log, "test-view")
	if err := view.Start(ctx); err != nil {
		t.Fatal(err)
	}
	st := view.State()
	nodes := []string{"node-a", "node-b", "node-c"}
	octets := map[string]int{"node-a": 121, "node-b": 122, "node-c": 123}
	stops := map[string]func(){}
	for _, n := range nodes {
		_, stops[n] = startAgent(t, log, images, n, octets[n])
	}
	// Every node Ready before any pod exists, or the first ones would all
	// go to the nodes that registered first.
	eventstest.Eventually(t, 30*time.Second, func() error {
		for _, n := range nodes {
			e := st.Live("nodes", "", n)
			if e == nil {
				return fmt.Errorf("node %s not registered", n)
			}
			if c := readyCondition(e.Object.(*corev1.Node)); c == nil || c.Status != corev1.ConditionTrue {
				return fmt.Errorf("node %s not Ready", n)
			}
		}
		return nil
	})
	runUntilCleanup(t, "scheduler", func(ctx context.Context) error {
		return scheduler.Run(ctx, scheduler.Config{Log: log, Instance: "t"})
	})
	lifecycle := NodeLifecycleConfig{GracePeriod: 2 * time.Second, EvictionTimeout: 3 * time.Second}
	runUntilCleanup(t, "replica controller", func(ctx context.Context) error {
		return Run(ctx, Config{Log: log, Instance: "t", Resync: 250 * time.Millisecond, NodeLifecycle: lifecycle})
	})

	d := webDeployment("default", "hello", "jetplane/hello:1", 6)
	grace := int64(1)
	d.Spec.Template.Spec.TerminationGracePeriodSeconds = &grace
	// No gateway runs here to sign the API access volume's token.
	noToken := false
	d.Spec.Template.Spec.AutomountServiceAccountToken = &noToken
	d.Spec.Template.Spec.Containers[0].Ports = []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}
	events.PrepareCreate(d, time.Now())
	if _, err := log.Write(ctx, testOrigin, events.Write{Resource: events.MustLookup("deployments"), Change: events.Created, Object: d}); err != nil {
		t.Fatal(err)
	}

	// Six pods running, two per node.
	eventstest.Eventually(t, 60*time.Second, func() error {
		perNode, err := runningPerNode(st, 6)
		if err != nil {
			return err
		}
		for _, n := range nodes {
			if perNode[n] != 2 {
				return fmt.Errorf("running per node %v, want 2 each", perNode)
			}
		}
		return nil
	})
	const victim = "node-c"
	var onVictim []string
	for _, e := range st.PodsOnNode(victim) {
		onVictim = append(onVictim, e.Name)
	}
	stops[victim]()

	// The node turns Unknown and tainted; its pods unready, then evicted.
	eventstest.Eventually(t, 20*time.Second, func() error {
		n := st.Live("nodes", "", victim).Object.(*corev1.Node)
		ready := readyCondition(n)
		if ready == nil || ready.Status != corev1.ConditionUnknown || ready.Reason != nodelifecycle.ReasonNodeStatusUnknown ||
			ready.Message != nodelifecycle.MessageNodeStatusUnknown {
			return fmt.Errorf("%s Ready %+v", victim, ready)
		}
		if !hasTaint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute) {
			return fmt.Errorf("%s taints %v", victim, n.Spec.Taints)
		}
		return nil
	})
	eventstest.Eventually(t, 20*time.Second, func() error {
		for _, name := range onVictim {
			e := st.Live("pods", "default", name)
			if e == nil {
				return fmt.Errorf("pod %s gone while its agent is down", name)
			}
			p := e.Object.(*corev1.Pod)
			if p.DeletionTimestamp == nil || p.Status.Reason != nodelifecycle.ReasonNodeLost {
				return fmt.Errorf("pod %s not evicted: deletionTimestamp %v reason %q", name, p.DeletionTimestamp, p.Status.Reason)
			}
			if c := podReady(p); c != nil && c.Status != corev1.ConditionFalse {
				return fmt.Errorf("evicted pod %s still Ready", name)
			}
		}
		perNode, err := runningPerNode(st, 6)
		if err != nil {
			return err
		}
		if perNode[victim] != 0 || perNode["node-a"]+perNode["node-b"] != 6 {
			return fmt.Errorf("running per node %v, want all six on node-a and node-b", perNode)
		}
		return nil
	})

	// The agent comes back.
	rt, _ := startAgent(t, log, images, victim, octets[victim])
	eventstest.Eventually(t, 30*time.Second, func() error {
		n := st.Live("nodes", "", victim).Object.(*corev1.Node)
		if c := readyCondition(n); c == nil || c.Status != corev1.ConditionTrue {
			return fmt.Errorf("%s Ready %+v", victim, c)
		}
		if hasTaint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoExecute) || hasTaint(n, corev1.TaintNodeUnreachable, corev1.TaintEffectNoSchedule) {
			return fmt.Errorf("%s still tainted: %v", victim, n.Spec.Taints)
		}
		for _, name := range onVictim {
			if st.Live("pods", "default", name) != nil {
				return fmt.Errorf("evicted pod %s not deleted yet", name)
			}
		}
		if _, err := runningPerNode(st, 6); err != nil {
			return err
		}
		if n := len(st.List("pods", "default", nil)); n != 6 {
			return fmt.Errorf("%d pods, want 6", n)
		}
		return nil
	})

	// Nothing ran twice: the returning agent started none of the evicted
	// pods, and their history ends terminating → deleted.
	list, err := rt.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range list {
		for _, name := range onVictim {
			if c.Spec.PodName == name && c.State.Phase == runtime.Running {
				t.Fatalf("returning agent runs evicted pod %s", name)
			}
		}
	}
	for _, name := range onVictim {
		if err := evictedOnce(ctx, log, name); err != nil {
			t.Fatal(err)
		}
	}
	// The node went Unknown once, was tainted once and untainted once: no flapping.
	evs, err := objectHistory(ctx, log, "nodes", "", victim)
	if err != nil {
		t.Fatal(err)
	}
	byLifecycle := map[string]int{}
	for _, ev := range evs {
		if ev.Source == "jetplane/replicacontroller/t" {
			byLifecycle[ev.Change()]++
		}
	}
	if byLifecycle[events.StatusChange] != 1 || byLifecycle[events.Updated] != 2 || len(byLifecycle) != 2 {
		t.Fatalf("node lifecycle wrote %v to %s, want 1 status and 2 updates", byLifecycle, victim)
	}
}

// runningPerNode counts the running, not terminating pods per node, and
// fails unless there are want of them.
func runningPerNode(st *projections.State, want int) (map[string]int, error) {
	perNode := map[string]int{}
	total := 0
	for _, e := range st.List("pods", "default", nil) {
		p := e.Object.(*corev1.Pod)
		if p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning {
			perNode[p.Spec.NodeName]++
			total++
		}
	}
	if total != want {
		return perNode, fmt.Errorf("%d pods running (%v), want %d", total, perNode, want)
	}
	return perNode, nil
}

// objectHistory reads every event of one object, oldest first.
func objectHistory(ctx context.Context, log *natslog.Log, resource, ns, name string) ([]*events.Event, error) {
	lastEv, err := log.LastFor(ctx, resource, ns, name)
	if err != nil || lastEv == nil {
		return nil, fmt.Errorf("%s %s history: %v %v", resource, name, lastEv, err)
	}
	var out []*events.Event
	end := errors.New("end")
	err = log.Follow(ctx, events.Subject(resource, ns, name), 1, func(ev *events.Event, decErr error) error {
		if decErr != nil {
			return decErr
		}
		out = append(out, ev)
		if ev.Seq >= lastEv.Seq {
			return end
		}
		return nil
	})
	if !errors.Is(err, end) {
		return nil, err
	}
	return out, nil
}

// evictedOnce checks a pod's history: marked terminating once, never
// reported running after that, then deleted.
func evictedOnce(ctx context.Context, log *natslog.Log, name string) error {
	evs, err := objectHistory(ctx, log, "pods", "default", name)
	if err != nil {
		return err
	}
	evicted := false
	for _, ev := range evs {
		switch {
		case ev.Change() == events.Terminating:
			evicted = true
		case ev.IsDelete() && !evicted:
			return fmt.Errorf("pod %s deleted without being evicted first", name)
		case evicted && !ev.IsDelete():
			var p corev1.Pod
			if err := json.Unmarshal(ev.Data, &p); err == nil && p.Status.Phase == corev1.PodRunning && ev.Change() == "running" {
				return fmt.Errorf("pod %s reported running again after its eviction", name)
			}
		}
	}
	if !evicted || !evs[len(evs)-1].IsDelete() {
		return fmt.Errorf("pod %s: evicted %v, last change %s", name, evicted, evs[len(evs)-1].Change())
	}
	return nil
}

func readyCondition(n *corev1.Node) *corev1.NodeCondition {
	for i := range n.Status.Conditions {
		if n.Status.Conditions[i].Type == corev1.NodeReady {
			return &n.Status.Conditions[i]
		}
	}
	return nil
}

func podReady(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

func hasTaint(n *corev1.Node, key string, effect corev1.TaintEffect) bool {
	for _, t := range n.Spec.Taints {
		if t.Key == key && t.Effect == effect {
			return true
		}
	}
	return false
}
