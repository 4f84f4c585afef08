package nodeagent

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	corev1 "k8s.io/api/core/v1"
)

// An agent that restarts adopts the containers of pods still bound to it
// (no second start, no readiness flap) and stops those of pods deleted,
// deleted at once, or replaced by a pod bound elsewhere while it was away.
func TestAgentRestartAdoptsAndCleansUp(t *testing.T) {
	l := eventstest.Log(t)
	ctx := context.Background()
	rt := newRuntime(t)
	keep := func(c *Config) { c.KeepContainers = true }
	stopFirst := startAgentOn(t, l, rt, keep)

	names := []string{"stays", "evicted", "forced", "moved"}
	for _, name := range names {
		createPod(t, l, name, "jetplane/hello:1", readyzProbe())
	}
	ips := map[string]string{}
	var stays *corev1.Pod
	for _, name := range names {
		p := waitPod(t, l, name, 20*time.Second, func(p *corev1.Pod, _ *events.Event) error {
			if !ready(p) {
				return fmt.Errorf("not ready")
			}
			return hi(p.Status.PodIP)
		})
		ips[name] = p.Status.PodIP
		if name == "stays" {
			stays = p
		}
	}
	stopFirst()

	// The containers outlived the agent.
	for _, name := range names {
		if err := hi(ips[name]); err != nil {
			t.Fatalf("%s after the agent stopped: %v", name, err)
		}
	}
	// While it is away: one pod is evicted (terminating), one deleted at
	// once, one replaced by a pod of the same name on another node.
	deletePod(t, l, "evicted", -1)
	deletePod(t, l, "forced", 0)
	deletePod(t, l, "moved", 0)
	moved := &corev1.Pod{}
	moved.Name, moved.Namespace = "moved", "default"
	moved.Spec = corev1.PodSpec{NodeName: "node-b", Containers: []corev1.Container{{Name: "hello", Image: "jetplane/hello:1"}}}
	_, ev := getPod(t, l, "moved")
	events.PrepareCreate(moved, time.Now())
	if _, err := l.Write(ctx, testOrigin, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: moved, Expected: ev.Seq}); err != nil {
		t.Fatal(err)
	}
	_, away, err := l.Bounds(ctx)
	if err != nil {
		t.Fatal(err)
	}

	startAgentOn(t, l, rt, keep)
	eventstest.Eventually(t, 20*time.Second, func() error {
		if _, ev := getPod(t, l, "evicted"); !ev.IsDelete() || ev.Actor != "system:node:"+node {
			return fmt.Errorf("evicted: last %s by %s", ev.Type, ev.Actor)
		}
		list, err := rt.List(ctx)
		if err != nil {
			return err
		}
		if len(list) != 1 || list[0].Spec.PodUID != string(stays.UID) {
			return fmt.Errorf("runtime holds %d containers, want only the one of stays: %+v", len(list), list)
		}
		for _, name := range []string{"evicted", "forced", "moved"} {
			if err := hi(ips[name]); err == nil {
				return fmt.Errorf("%s still answers", name)
			}
		}
		return nil
	})

	// The adopted container is the same, answering all along, and the
	// agent had nothing to report about it: its last event is from before.
	list, _ := rt.List(ctx)
	cs := stays.Status.ContainerStatuses[0]
	if rt.Name()+"://"+string(list[0].ID) != cs.ContainerID || list[0].Spec.Attempt != 0 || list[0].State.Phase != runtime.Running {
		t.Fatalf("stays runs %+v, its status says %s", list[0], cs.ContainerID)
	}
	if err := hi(ips["stays"]); err != nil {
		t.Fatal(err)
	}
	eventstest.Quiet(t, l, 3*time.Second, 30*time.Second)
	if p, ev := getPod(t, l, "stays"); ev.Seq > away || !ready(p) {
		t.Fatalf("stays rewritten after the restart: %s at %d (away at %d)", ev.Type, ev.Seq, away)
	}
	// The pod now on node-b is not this agent's business.
	if got := changes(t, l, "moved"); got[len(got)-1] != "created" {
		t.Fatalf("moved: %v", got)
	}
}
