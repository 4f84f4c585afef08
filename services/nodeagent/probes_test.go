package nodeagent

import (
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
)

// The startup probe gates readiness; then exec readiness drives the
// container's ready, the pod's Ready and ContainersReady, and the ready and
// unready events.
func TestAgentExecProbesStartupGatesReadiness(t *testing.T) {
	l := eventstest.Log(t)
	startAgent(t, l)
	dir := podDir(t)
	started, readyFile := filepath.Join(dir, "started"), filepath.Join(dir, "ready")
	if err := os.WriteFile(readyFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	create(t, l, shPod("gated", "trap 'exit 0' TERM; while :; do sleep 1; done", func(p *corev1.Pod) {
		c := &p.Spec.Containers[0]
		c.StartupProbe = execProbe("test -f "+started, 600)
		c.ReadinessProbe = execProbe("test -f "+readyFile, 1)
		c.LivenessProbe = execProbe("true", 1)
	}))

	// Running, but the startup probe has not passed: not started, not
	// ready, although the readiness check would pass.
	waitPod(t, l, "gated", 20*time.Second, func(p *corev1.Pod, _ *events.Event) error {
		cs, err := mainStatus(p)
		if err != nil {
			return err
		}
		if cs.State.Running == nil || cs.Started == nil || *cs.Started || cs.Ready || p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("want running, not started: %+v", cs)
		}
		return nil
	})
	ids := containerIDs(t, l, "gated")

	if err := os.WriteFile(started, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	waitPod(t, l, "gated", 20*time.Second, func(p *corev1.Pod, ev *events.Event) error {
		cs, err := mainStatus(p)
		if err != nil {
			return err
		}
		if !*cs.Started || !cs.Ready || condition(p, corev1.PodReady) != corev1.ConditionTrue || condition(p, corev1.ContainersReady) != corev1.ConditionTrue {
			return fmt.Errorf("want started and ready: %+v %+v", cs, p.Status.Conditions)
		}
		if ev.Change() != "ready" {
			return fmt.Errorf("change %q, want ready", ev.Change())
		}
		return nil
	})

	// Readiness fails: unready, and the container keeps running.
	if err := os.Remove(readyFile); err != nil {
		t.Fatal(err)
	}
	waitPod(t, l, "gated", 20*time.Second, func(p *corev1.Pod, ev *events.Event) error {
		cs, err := mainStatus(p)
		if err != nil {
			return err
		}
		if cs.Ready || condition(p, corev1.PodReady) != corev1.ConditionFalse || condition(p, corev1.ContainersReady) != corev1.ConditionFalse ||
			ev.Change() != "unready" || cs.State.Running == nil || !*cs.Started {
			return fmt.Errorf("want unready (%s): %+v", ev.Change(), cs)
		}
		return nil
	})
	if err := os.WriteFile(readyFile, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	final := waitPod(t, l, "gated", 20*time.Second, func(p *corev1.Pod, ev *events.Event) error {
		if condition(p, corev1.PodReady) != corev1.ConditionTrue || ev.Change() != "ready" {
			return fmt.Errorf("want ready again")
		}
		return nil
	})
	// The same container throughout: readiness never restarts anything.
	if cs, _ := mainStatus(final); cs.RestartCount != 0 || len(ids) != 1 || !slices.Contains(ids, cs.ContainerID) {
		t.Fatalf("container changed: %v then %+v", ids, cs)
	}
	got := changes(t, l, "gated")
	for _, want := range []string{"created", "running", "ready", "unready"} {
		if !slices.Contains(got, want) {
			t.Fatalf("changes %v lack %q", got, want)
		}
	}
}

// containerIDs are the distinct containerIDs the pod's events reported.
func containerIDs(t *testing.T, l *natslog.Log, name string) []string {
	t.Helper()
	var ids []string
	for _, ev := range history(t, l, name) {
		if cs, err := mainStatus(decodePod(t, ev)); err == nil && cs.ContainerID != "" && !slices.Contains(ids, cs.ContainerID) {
			ids = append(ids, cs.ContainerID)
		}
	}
	return ids
}

// A startup probe that keeps failing kills the container with the
// kubelet's message, and the restart waits out the back-off.
func TestAgentStartupProbeFailureRestarts(t *testing.T) {
	l := eventstest.Log(t)
	startAgent(t, l)
	create(t, l, shPod("slow", "trap 'exit 0' TERM; while :; do sleep 1; done", func(p *corev1.Pod) {
		p.Spec.Containers[0].StartupProbe = execProbe("exit 1", 2)
		p.Spec.Containers[0].ReadinessProbe = execProbe("true", 1)
	}))
	waitPod(t, l, "slow", 30*time.Second, func(p *corev1.Pod, _ *events.Event) error {
		cs, err := mainStatus(p)
		if err != nil {
			return err
		}
		last := cs.LastTerminationState.Terminated
		if cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" || last == nil {
			return fmt.Errorf("want CrashLoopBackOff after a startup kill: %+v", cs)
		}
		if last.Message != "Container main failed startup probe, will be restarted" || last.ExitCode != 0 || last.Reason != "Completed" ||
			last.StartedAt.IsZero() || last.FinishedAt.Before(&last.StartedAt) {
			return fmt.Errorf("lastState %+v", last)
		}
		if cs.Ready || condition(p, corev1.PodReady) != corev1.ConditionFalse {
			return fmt.Errorf("ready without having started")
		}
		return nil
	})
}
