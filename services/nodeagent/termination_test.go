package nodeagent

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
)

// A deleted pod gets SIGTERM, its grace period, then SIGKILL; its preStop
// hook runs first; then the agent appends its deleted event.
func TestAgentGracefulTermination(t *testing.T) {
	l := eventstest.Log(t)
	startAgent(t, l)
	bye := filepath.Join(podDir(t), "bye")
	grace := int64(2)
	// Ignores SIGTERM: only SIGKILL ends it, after the grace period.
	create(t, l, shPod("stubborn", "trap 'echo got TERM' TERM; while :; do sleep 0.2; done", func(p *corev1.Pod) {
		p.Spec.TerminationGracePeriodSeconds = &grace
	}))
	// Leaves on SIGTERM, after its preStop hook.
	create(t, l, shPod("polite", "trap 'echo got TERM; exit 0' TERM; while :; do sleep 0.2; done", func(p *corev1.Pod) {
		p.Spec.Containers[0].Lifecycle = &corev1.Lifecycle{PreStop: &corev1.LifecycleHandler{
			Exec: &corev1.ExecAction{Command: []string{"sh", "-c", "echo bye > " + bye}}}}
	}))
	for _, name := range []string{"stubborn", "polite"} {
		waitPod(t, l, name, 20*time.Second, func(p *corev1.Pod, _ *events.Event) error {
			if p.Status.Phase != corev1.PodRunning {
				return fmt.Errorf("phase %s", p.Status.Phase)
			}
			return nil
		})
		deletePod(t, l, name, -1)
	}

	stubborn := waitPod(t, l, "stubborn", 20*time.Second, func(p *corev1.Pod, ev *events.Event) error {
		if !ev.IsDelete() {
			return fmt.Errorf("not deleted yet")
		}
		return nil
	})
	cs, _ := mainStatus(stubborn)
	if term := cs.State.Terminated; term == nil || term.ExitCode != 137 || stubborn.Status.Phase != corev1.PodFailed {
		t.Fatalf("stubborn ended %+v, phase %s", cs.State, stubborn.Status.Phase)
	}
	// SIGTERM came first, and SIGKILL only once the grace period was over.
	eventstest.Eventually(t, 5*time.Second, func() error {
		if logLinesOf(t, l, "stubborn", "main", events.LogStdout, "got TERM") == 0 {
			return fmt.Errorf("stubborn never got SIGTERM")
		}
		return nil
	})
	term := cs.State.Terminated
	if lived := term.FinishedAt.Sub(stubborn.DeletionTimestamp.Time); lived < time.Duration(grace)*time.Second-time.Second {
		t.Fatalf("killed %v after the delete request, grace %ds", lived, grace)
	}
	if got := changes(t, l, "stubborn"); !slices.Equal(got[len(got)-2:], []string{"terminating", "deleted"}) {
		t.Fatalf("stubborn changes %v", got)
	}
	if ev := history(t, l, "stubborn"); ev[len(ev)-1].Actor != "system:node:"+node {
		t.Fatalf("deleted by %q", ev[len(ev)-1].Actor)
	}

	polite := waitPod(t, l, "polite", 20*time.Second, func(p *corev1.Pod, ev *events.Event) error {
		if !ev.IsDelete() {
			return fmt.Errorf("not deleted yet")
		}
		return nil
	})
	cs, _ = mainStatus(polite)
	if term := cs.State.Terminated; term == nil || term.ExitCode != 0 || polite.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("polite ended %+v, phase %s", cs.State, polite.Status.Phase)
	}
	if b, err := os.ReadFile(bye); err != nil || string(b) != "bye\n" {
		t.Fatalf("preStop hook: %q %v", b, err)
	}
}

// A pod held by a finalizer is stopped and reports how it ended; it goes
// when the last finalizer does.
func TestAgentTerminatingPodWithFinalizer(t *testing.T) {
	l := eventstest.Log(t)
	startAgent(t, l)
	create(t, l, shPod("held", "trap 'exit 0' TERM; while :; do sleep 0.2; done", func(p *corev1.Pod) {
		p.Finalizers = []string{"example.com/hold"}
	}))
	waitPod(t, l, "held", 20*time.Second, func(p *corev1.Pod, _ *events.Event) error {
		if p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	deletePod(t, l, "held", -1)
	p := waitPod(t, l, "held", 20*time.Second, func(p *corev1.Pod, ev *events.Event) error {
		if ev.Change() != "succeeded" || p.Status.Phase != corev1.PodSucceeded || p.DeletionTimestamp == nil {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	if cs, _ := mainStatus(p); cs.State.Terminated == nil {
		t.Fatalf("held: %+v", cs)
	}
	// The finalizer's owner lets go: the update deletes the finished pod.
	_, ev := getPod(t, l, "held")
	next := p.DeepCopy()
	next.Finalizers = nil
	w := events.UpdateWrite(events.MustLookup("pods"), p, next, events.Updated, ev.Seq)
	if _, err := l.Write(context.Background(), testOrigin, w); err != nil {
		t.Fatal(err)
	}
	if _, ev := getPod(t, l, "held"); !ev.IsDelete() {
		t.Fatalf("held after its finalizer went: %s", ev.Type)
	}
}
