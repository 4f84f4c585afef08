package nodeagent

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
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/jetplane/jetplane/services/nodereports"
	corev1 "k8s.io/api/core/v1"
)

func fleetNode(i int) string { return fmt.Sprintf("fleet-%04d", i) }

// hollowFleet is the Config of n hollow agents, each with a /24 of its own.
func hollowFleet(t testing.TB, n int, heartbeat time.Duration) []Config {
	t.Helper()
	cfgs := make([]Config, n)
	for i := range cfgs {
		rt, err := runtime.NewHollow(runtime.HollowConfig{PodCIDR: fmt.Sprintf("10.%d.%d.0/24", 200+i/256, i%256)})
		if err != nil {
			t.Fatal(err)
		}
		cfgs[i] = Config{NodeName: fleetNode(i), Runtime: rt, Heartbeat: heartbeat, MaxPods: 500}
	}
	return cfgs
}

// startFleet runs the agents until the test ends; RunFleet must then
// return nil.
func startFleet(t testing.TB, l *natslog.Log, agents []Config) {
	t.Helper()
	nodereports.ServeForTest(t, l)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- RunFleet(ctx, FleetConfig{Log: l, Agents: agents}) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("fleet: %v", err)
		}
	})
}

// nodeReady reads the node's last event: nil once it reports Ready.
func nodeReady(l *natslog.Log, name string) error {
	ev, err := l.LastFor(context.Background(), "nodes", "", name)
	if err != nil || ev == nil {
		return fmt.Errorf("node %s: not registered (%v)", name, err)
	}
	var n corev1.Node
	if err := json.Unmarshal(ev.Data, &n); err != nil {
		return err
	}
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue {
			if ev.Actor != "system:node:"+name {
				return fmt.Errorf("node %s written by %s", name, ev.Actor)
			}
			return nil
		}
	}
	return fmt.Errorf("node %s: not Ready", name)
}

// TestFleet: 50 hollow agents over one projection register their nodes,
// run the pods bound to them (each pod by its own node's agent) and
// remove deleted ones.
func TestFleet(t *testing.T) {
	const nodes, podCount = 50, 150
	l := eventstest.Log(t)
	started := time.Now()
	startFleet(t, l, hollowFleet(t, nodes, 200*time.Millisecond))
	eventstest.Eventually(t, 20*time.Second, func() error {
		for i := range nodes {
			if err := nodeReady(l, fleetNode(i)); err != nil {
				return err
			}
		}
		return nil
	})
	t.Logf("%d nodes Ready after %v", nodes, time.Since(started).Round(time.Millisecond))

	nodeOfPod := map[string]string{}
	for i := range podCount {
		name, n := fmt.Sprintf("p%03d", i), fleetNode((i*7)%nodes)
		nodeOfPod[name] = n
		create(t, l, shPod(name, "sleep 1000", func(p *corev1.Pod) { p.Spec.NodeName = n }))
	}
	ips := map[string]string{}
	for name, n := range nodeOfPod {
		p := waitPod(t, l, name, 20*time.Second, func(p *corev1.Pod, ev *events.Event) error {
			if p.Status.Phase != corev1.PodRunning || !ready(p) {
				return fmt.Errorf("phase %s, ready %v", p.Status.Phase, ready(p))
			}
			return nil
		})
		for _, ev := range history(t, l, name)[1:] { // all but the test's created
			if want := "system:node:" + n; ev.Actor != want {
				t.Errorf("pod %s on %s: %s event by %s, want %s", name, n, ev.Change(), ev.Actor, want)
			}
		}
		if other, dup := ips[p.Status.PodIP]; dup || p.Status.PodIP == "" {
			t.Errorf("pod %s: IP %q (also %s's)", name, p.Status.PodIP, other)
		}
		ips[p.Status.PodIP] = name
	}

	gone := []string{"p000", "p001", "p049"}
	for _, name := range gone {
		deletePod(t, l, name, -1)
	}
	for _, name := range gone {
		waitPod(t, l, name, 20*time.Second, func(p *corev1.Pod, ev *events.Event) error {
			if ev.Change() != string(events.Deleted) {
				return errors.New("not deleted yet")
			}
			if want := "system:node:" + nodeOfPod[name]; ev.Actor != want {
				return fmt.Errorf("deleted by %s, want %s", ev.Actor, want)
			}
			return nil
		})
	}
	if _, ev := getPod(t, l, "p002"); ev.Change() == string(events.Deleted) {
		t.Errorf("p002 deleted too")
	}
}

func TestFleetConfigErrors(t *testing.T) {
	l := eventstest.Log(t)
	rt, err := runtime.NewHollow(runtime.HollowConfig{})
	if err != nil {
		t.Fatal(err)
	}
	for name, cfg := range map[string]FleetConfig{
		"no log":       {Agents: []Config{{NodeName: "a", Runtime: rt}}},
		"no agents":    {Log: l},
		"no runtime":   {Log: l, Agents: []Config{{NodeName: "a"}}},
		"no node name": {Log: l, Agents: []Config{{Runtime: rt}}},
		"same node":    {Log: l, Agents: []Config{{NodeName: "a", Runtime: rt}, {NodeName: "a", Runtime: rt}}},
		"other log":    {Log: l, Agents: []Config{{NodeName: "a", Runtime: rt, Log: &natslog.Log{}}}},
	} {
		if err := RunFleet(context.Background(), cfg); err == nil {
			t.Errorf("%s: RunFleet ran", name)
		}
	}
}
