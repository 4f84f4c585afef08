package scheduler

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
)

func TestBindsPendingPodsSpreadAcrossNodes(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	st := watch(t, log)
	write(t, log, "nodes", readyNode("node-a", 110, nil))
	write(t, log, "nodes", readyNode("node-b", 110, nil))
	start(t, log, "a", 0)
	for i := range 6 {
		write(t, log, "pods", pendingPod(fmt.Sprintf("web-%d", i), nil))
	}
	eventstest.Eventually(t, 10*time.Second, func() error {
		perNode := map[string]int{}
		for i := range 6 {
			p, err := podNamed(st, fmt.Sprintf("web-%d", i))
			if err != nil {
				return err
			}
			if p.Spec.NodeName == "" {
				return fmt.Errorf("%s not bound", p.Name)
			}
			if c := scheduledCondition(p); c == nil || c.Status != corev1.ConditionTrue || c.LastTransitionTime.IsZero() {
				return fmt.Errorf("%s: PodScheduled %+v", p.Name, c)
			}
			perNode[p.Spec.NodeName]++
		}
		if perNode["node-a"] != 3 || perNode["node-b"] != 3 {
			return fmt.Errorf("not spread evenly: %v", perNode)
		}
		return nil
	})
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)
	for _, ev := range history(t, log) {
		if ev.Change() == events.Scheduled && (ev.Source != "jetplane/scheduler/a" || ev.Actor != "system:jetplane:scheduler") {
			t.Fatalf("bind by source %q actor %q", ev.Source, ev.Actor)
		}
	}
}

func TestUnschedulableUntilAMatchingNodeAppears(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	st := watch(t, log)
	write(t, log, "nodes", readyNode("node-a", 110, map[string]string{"disk": "hdd"}))
	start(t, log, "a", 0)
	write(t, log, "pods", pendingPod("db", map[string]string{"disk": "ssd"}))

	const want = "0/1 nodes are available: 1 node(s) didn't match Pod's node affinity/selector."
	eventstest.Eventually(t, 10*time.Second, func() error {
		p, err := podNamed(st, "db")
		if err != nil {
			return err
		}
		c := scheduledCondition(p)
		if c == nil || c.Status != corev1.ConditionFalse || c.Reason != "Unschedulable" || c.Message != want {
			return fmt.Errorf("PodScheduled %+v", c)
		}
		if p.Spec.NodeName != "" {
			return fmt.Errorf("bound to %s", p.Spec.NodeName)
		}
		return nil
	})
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)
	if n := countChanges(history(t, log), "db", ChangeUnschedulable); n != 1 {
		t.Fatalf("%d unschedulable events, want 1 (no write loop)", n)
	}

	write(t, log, "nodes", readyNode("node-ssd", 110, map[string]string{"disk": "ssd"}))
	eventstest.Eventually(t, 10*time.Second, func() error {
		p, err := podNamed(st, "db")
		if err != nil {
			return err
		}
		if p.Spec.NodeName != "node-ssd" {
			return fmt.Errorf("on node %q", p.Spec.NodeName)
		}
		if c := scheduledCondition(p); c == nil || c.Status != corev1.ConditionTrue {
			return fmt.Errorf("PodScheduled %+v", c)
		}
		return nil
	})
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)
}

// TestTwoSchedulersBindEachPodOnceWithoutOvercommit runs two instances
// against one log: more pods than the nodes hold.
func TestTwoSchedulersBindEachPodOnceWithoutOvercommit(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	st := watch(t, log)
	const perNode, pods = 3, 10
	write(t, log, "nodes", readyNode("node-a", perNode, nil))
	write(t, log, "nodes", readyNode("node-b", perNode, nil))
	start(t, log, "one", 0)
	start(t, log, "two", 0)
	for i := range pods {
		write(t, log, "pods", pendingPod(fmt.Sprintf("p-%d", i), nil))
	}
	const full = "0/2 nodes are available: 2 Too many pods."
	eventstest.Eventually(t, 15*time.Second, func() error {
		bound, full_ := 0, 0
		for i := range pods {
			p, err := podNamed(st, fmt.Sprintf("p-%d", i))
			if err != nil {
				return err
			}
			if p.Spec.NodeName != "" {
				bound++
			} else if c := scheduledCondition(p); c != nil && c.Message == full {
				full_++
			}
		}
		if bound != 2*perNode || full_ != pods-2*perNode {
			return fmt.Errorf("%d bound, %d marked full", bound, full_)
		}
		return nil
	})
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)

	binds := map[string]int{}
	onNode := map[string]int{}
	for _, ev := range history(t, log) {
		if ev.Resource != "pods" || ev.Change() != events.Scheduled {
			continue
		}
		binds[ev.Name]++
		var p corev1.Pod
		if err := json.Unmarshal(ev.Data, &p); err != nil {
			t.Fatal(err)
		}
		onNode[p.Spec.NodeName]++
	}
	if len(binds) != 2*perNode {
		t.Fatalf("%d pods bound in history, want %d", len(binds), 2*perNode)
	}
	for pod, n := range binds {
		if n != 1 {
			t.Fatalf("pod %s has %d scheduled events", pod, n)
		}
	}
	for node, n := range onNode {
		if n > perNode {
			t.Fatalf("node %s over-committed: %d binds for %d pods allowed", node, n, perNode)
		}
	}
	for _, node := range []string{"node-a", "node-b"} {
		if got := len(st.PodsOnNode(node)); got != perNode {
			t.Fatalf("%s holds %d pods, want %d", node, got, perNode)
		}
	}
}

// TestStandbyTakesOverWhenLeaderStops: the second instance binds once the
// first one is gone.
func TestStandbyTakesOverWhenLeaderStops(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	write(t, log, "nodes", readyNode("node-a", 110, nil))
	stops := map[string]func(){
		"jetplane/scheduler/one": start(t, log, "one", 2*time.Second),
		"jetplane/scheduler/two": start(t, log, "two", 2*time.Second),
	}
	write(t, log, "pods", pendingPod("first", nil))
	leader := boundBy(t, log, "first")
	stops[leader]()

	write(t, log, "pods", pendingPod("second", nil))
	if other := boundBy(t, log, "second"); other == leader {
		t.Fatalf("second pod bound by the stopped leader %s", leader)
	}
}

// boundBy waits for the pod to be bound and returns the binding event's source.
func boundBy(t *testing.T, log *natslog.Log, name string) string {
	t.Helper()
	var source string
	eventstest.Eventually(t, 15*time.Second, func() error {
		ev, err := log.LastFor(context.Background(), "pods", "default", name)
		if err != nil {
			return err
		}
		if ev == nil || ev.Change() != events.Scheduled {
			return fmt.Errorf("pod %s not bound yet", name)
		}
		source = ev.Source
		return nil
	})
	if !strings.HasPrefix(source, "jetplane/scheduler/") {
		t.Fatalf("bound by %q", source)
	}
	return source
}

func countChanges(evs []*events.Event, pod, change string) int {
	n := 0
	for _, ev := range evs {
		if ev.Resource == "pods" && ev.Name == pod && ev.Change() == change {
			n++
		}
	}
	return n
}

// TestRetriedWhenCapacityFrees: a pod left out for lack of room is bound once
// a bound pod is deleted.
func TestRetriedWhenCapacityFrees(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	st := watch(t, log)
	write(t, log, "nodes", readyNode("node-a", 1, nil))
	start(t, log, "a", 0)
	write(t, log, "pods", pendingPod("first", nil))
	boundBy(t, log, "first")
	write(t, log, "pods", pendingPod("second", nil))
	eventstest.Eventually(t, 10*time.Second, func() error {
		p, err := podNamed(st, "second")
		if err != nil {
			return err
		}
		if c := scheduledCondition(p); c == nil || c.Message != "0/1 nodes are available: 1 Too many pods." {
			return fmt.Errorf("PodScheduled %+v", c)
		}
		return nil
	})

	e := st.Live("pods", "default", "first")
	del := events.DeleteWrite(events.MustLookup("pods"), e.Object.(*corev1.Pod).DeepCopy(), e.Seq, 0, time.Now())
	if _, err := log.Write(context.Background(), testOrigin, del); err != nil {
		t.Fatal(err)
	}
	boundBy(t, log, "second")
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)
}
