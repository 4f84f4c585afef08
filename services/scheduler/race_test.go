package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/jetplane/jetplane/services/scheduler/placement"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

// instance builds a scheduler that is not running: the test drives its
// decisions and commits by hand.
func instance(t *testing.T, log *natslog.Log, name string) *scheduler {
	t.Helper()
	s := &scheduler{cfg: Config{Log: log, Instance: name}, origin: events.ServiceOrigin(Name, name),
		proj: projections.New(log, Name), queue: controller.NewQueue(), index: newIndex(),
		log: logrus.WithField("instance", name)}
	s.cfg.defaults()
	s.batch = s.cfg.BatchSize
	s.writer = &controller.Writer{Log: log, Projection: s.proj, Origin: s.origin}
	s.proj.OnApply(s.onApply)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	if err := s.proj.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return s
}

// TestLedgerAdmitsOneOfTwoDecisionsFromOneView: two schedulers decide from
// the same view that a node's last slot is free, each for a different pod,
// and commit at the same time. Pod CAS alone would let both land; the bind
// ledger lets exactly one.
func TestLedgerAdmitsOneOfTwoDecisionsFromOneView(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	write(t, log, "nodes", readyNode("node-a", 1, nil))
	write(t, log, "pods", pendingPod("p1", nil))
	write(t, log, "pods", pendingPod("p2", nil))
	a, b := instance(t, log, "a"), instance(t, log, "b")
	_, last, err := log.Bounds(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []*scheduler{a, b} {
		if err := s.proj.WaitFor(context.Background(), last); err != nil {
			t.Fatal(err)
		}
	}
	bindsA, _, viewA := a.decide([]string{"default/p1"})
	bindsB, _, viewB := b.decide([]string{"default/p2"})
	if len(bindsA) != 1 || len(bindsB) != 1 {
		t.Fatalf("decisions: a %d binds, b %d binds; both should see the free slot", len(bindsA), len(bindsB))
	}

	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, c := range []struct {
		s     *scheduler
		binds []bind
		view  uint64
	}{{a, bindsA, viewA}, {b, bindsB, viewB}} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.s.commit(context.Background(), c.binds, c.view)
		}()
	}
	wg.Wait()
	landed := 0
	for _, err := range errs {
		// The loser's append conflicts, or, when the winner was done before
		// it read the ledger, it finds the ledger ahead of its view.
		var behind *errViewBehind
		switch {
		case err == nil:
			landed++
		case !errors.Is(err, events.ErrConflict) && !errors.As(err, &behind):
			t.Fatalf("commit: %v", err)
		}
	}
	if landed != 1 {
		t.Fatalf("%d of two commits landed (errors %v), want exactly one", landed, errs)
	}
	st := watch(t, log)
	if n := len(st.PodsOnNode("node-a")); n != 1 {
		t.Fatalf("node-a holds %d pods, allocatable 1", n)
	}
}

// TestTwoLeadersRacingNeverOvercommit runs two schedulers that both lead
// (as with no election) over the same pending pods, taking them in opposite
// orders. Each round both decide from the same caught-up view and commit
// at the same time, so every round is a race; the outcome is checked from
// the log's history alone.
func TestTwoLeadersRacingNeverOvercommit(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	st := watch(t, log)
	const nodes, slotsPerNode, pods = 3, 3, 20 // cpu holds 3 pods per node, "pods" would hold 5
	for i := range nodes {
		n := readyNode(fmt.Sprintf("node-%d", i), 5, nil)
		n.Status.Allocatable[corev1.ResourceCPU] = resource.MustParse("1")
		write(t, log, "nodes", n)
	}
	for i := range pods {
		p := pendingPod(fmt.Sprintf("p-%02d", i), nil)
		p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("300m")}
		write(t, log, "pods", p)
	}
	one, two := instance(t, log, "one"), instance(t, log, "two")
	ctx := context.Background()
	const full = "0/3 nodes are available: 3 Insufficient cpu."
	conflicts := 0
	for round := 0; ; round++ {
		if round == 30 {
			t.Fatal("pods still pending after 30 rounds")
		}
		_, last, err := log.Bounds(ctx)
		if err != nil {
			t.Fatal(err)
		}
		pending := 0
		for _, s := range []*scheduler{one, two} {
			if err := s.proj.WaitFor(ctx, last); err != nil {
				t.Fatal(err)
			}
			pending = len(s.pendingKeys())
		}
		bindsOne, _, viewOne := one.decide(firstKeys(one.pendingKeys(), 2, false))
		bindsTwo, _, viewTwo := two.decide(firstKeys(two.pendingKeys(), 2, true))
		if len(bindsOne)+len(bindsTwo) == 0 && round > 0 {
			if pending != pods-nodes*slotsPerNode {
				t.Fatalf("%d pods pending with no bind decided, want %d", pending, pods-nodes*slotsPerNode)
			}
			// Room has run out: record why for every pod left.
			_, marks, _ := one.decide(one.pendingKeys())
			if retry, _ := one.mark(ctx, marks); len(retry) > 0 {
				t.Fatalf("marking %v failed", retry)
			}
			break
		}
		var wg sync.WaitGroup
		retries := make([]int, 2)
		for i, c := range []struct {
			s     *scheduler
			binds []bind
			view  uint64
		}{{one, bindsOne, viewOne}, {two, bindsTwo, viewTwo}} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				keys, _ := c.s.bind(ctx, c.binds, c.view)
				retries[i] = len(keys)
			}()
		}
		wg.Wait()
		if retries[0] > 0 || retries[1] > 0 {
			conflicts++
		}
		if round == 0 && conflicts == 0 {
			t.Fatal("first round: both took node-0 from the same view, yet neither commit was refused")
		}
	}
	t.Logf("rounds with a refused commit: %d", conflicts)
	eventstest.Eventually(t, 10*time.Second, func() error {
		marked := 0
		for i := range pods {
			p, err := podNamed(st, fmt.Sprintf("p-%02d", i))
			if err != nil {
				return err
			}
			if c := scheduledCondition(p); p.Spec.NodeName == "" && c != nil && c.Message == full {
				marked++
			}
		}
		if marked != pods-nodes*slotsPerNode {
			return fmt.Errorf("%d marked full", marked)
		}
		return nil
	})

	// The history alone: every bind, per pod and per node, and who made it.
	binds, perNode, cpu, by := map[string]int{}, map[string]int{}, map[string]int64{}, map[string]int{}
	for _, ev := range history(t, log) {
		if ev.Resource != "pods" || ev.Change() != events.Scheduled {
			continue
		}
		var p corev1.Pod
		if err := json.Unmarshal(ev.Data, &p); err != nil {
			t.Fatal(err)
		}
		binds[ev.Name]++
		perNode[p.Spec.NodeName]++
		cpu[p.Spec.NodeName] += placement.PodRequests(&p).MilliCPU
		by[ev.Source]++
	}
	t.Logf("binds by instance: %v", by)
	for pod, n := range binds {
		if n != 1 {
			t.Fatalf("pod %s bound %d times", pod, n)
		}
	}
	for node, n := range perNode {
		if n > slotsPerNode || cpu[node] > 1000 {
			t.Fatalf("node %s over-committed: %d pods asking %dm cpu of 1000m", node, n, cpu[node])
		}
	}
	if len(binds) != nodes*slotsPerNode {
		t.Fatalf("%d pods bound in history, want %d", len(binds), nodes*slotsPerNode)
	}
}

// firstKeys sorts keys (descending when reverse) and keeps the first n.
func firstKeys(keys []string, n int, reverse bool) []string {
	slices.Sort(keys)
	if reverse {
		slices.Reverse(keys)
	}
	return keys[:min(n, len(keys))]
}

// TestRetriedWhenUncordoned: a pod left out because the only node is
// cordoned is bound once the node is uncordoned.
func TestRetriedWhenUncordoned(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	st := watch(t, log)
	n := readyNode("node-a", 110, nil)
	n.Spec.Unschedulable = true
	write(t, log, "nodes", n)
	start(t, log, "a", 0)
	write(t, log, "pods", pendingPod("web", nil))
	const want = "0/1 nodes are available: 1 node(s) were unschedulable."
	eventstest.Eventually(t, 10*time.Second, func() error {
		p, err := podNamed(st, "web")
		if err != nil {
			return err
		}
		if c := scheduledCondition(p); c == nil || c.Reason != "Unschedulable" || c.Message != want {
			return fmt.Errorf("PodScheduled %+v", c)
		}
		return nil
	})

	e := st.Live("nodes", "", "node-a")
	uncordoned := e.Object.(*corev1.Node).DeepCopy()
	uncordoned.Spec.Unschedulable = false
	if _, err := log.Write(context.Background(), testOrigin, events.Write{Resource: events.MustLookup("nodes"),
		Change: events.Updated, Object: uncordoned, Expected: e.Seq}); err != nil {
		t.Fatal(err)
	}
	boundBy(t, log, "web")
	eventstest.Quiet(t, log, 750*time.Millisecond, 20*time.Second)
	if n := countChanges(history(t, log), "web", ChangeUnschedulable); n != 1 {
		t.Fatalf("%d unschedulable events, want 1", n)
	}
}
