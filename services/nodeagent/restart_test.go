package nodeagent

import (
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
)

func policy(r corev1.RestartPolicy) func(*corev1.Pod) {
	return func(p *corev1.Pod) { p.Spec.RestartPolicy = r }
}

// Containers that end under restartPolicy Never make the pod Succeeded or
// Failed, as Jobs expect.
func TestAgentRestartPolicyNeverEndsThePod(t *testing.T) {
	l := eventstest.Log(t)
	startAgent(t, l)
	create(t, l, shPod("done", "echo done", policy(corev1.RestartPolicyNever)))
	create(t, l, shPod("broke", "exit 3", policy(corev1.RestartPolicyNever)))
	for _, c := range []struct {
		name, change, reason string
		phase                corev1.PodPhase
		exit                 int32
	}{
		{"done", "succeeded", "Completed", corev1.PodSucceeded, 0},
		{"broke", "failed", "Error", corev1.PodFailed, 3},
	} {
		p := waitPod(t, l, c.name, 20*time.Second, func(p *corev1.Pod, ev *events.Event) error {
			if p.Status.Phase != c.phase || ev.Change() != c.change {
				return fmt.Errorf("phase %s, want %s", p.Status.Phase, c.phase)
			}
			return nil
		})
		cs, _ := mainStatus(p)
		term := cs.State.Terminated
		if term == nil || term.ExitCode != c.exit || term.Reason != c.reason || term.StartedAt.IsZero() || term.FinishedAt.IsZero() ||
			cs.RestartCount != 0 || cs.Ready || condition(p, corev1.PodReady) != corev1.ConditionFalse {
			t.Fatalf("%s: %+v", c.name, cs)
		}
	}
	// Finished pods stay as they ended: no restart, nothing more written.
	last := eventstest.Quiet(t, l, 3*time.Second, 30*time.Second)
	for _, name := range []string{"done", "broke"} {
		if _, ev := getPod(t, l, name); ev.Seq > last {
			t.Fatalf("%s written after the log went quiet", name)
		}
		if got := changes(t, l, name); slices.Contains(got, "deleted") {
			t.Fatalf("%s: %v", name, got)
		}
	}
}

// OnFailure restarts a failed container after the back-off; Always
// restarts every time, doubling it.
//
// The agent's clock is the test's: once a pod waits out its back-off, the
// test moves the clock past it instead of waiting 10s of real time.
func TestAgentRestartBackoff(t *testing.T) {
	l := eventstest.Log(t)
	clock := &skewedClock{}
	startAgentOn(t, l, newRuntime(t), func(c *Config) { c.Now = clock.Now })
	marker := filepath.Join(podDir(t), "tried")
	// Fails the first time, succeeds the second: a Job's retry.
	retry := create(t, l, shPod("retry", "if [ -f "+marker+" ]; then exit 0; fi; touch "+marker+"; exit 1", policy(corev1.RestartPolicyOnFailure)))
	crash := create(t, l, shPod("crash", "exit 1"))

	waitPod(t, l, "retry", 20*time.Second, func(p *corev1.Pod, _ *events.Event) error {
		cs, err := mainStatus(p)
		if err != nil {
			return err
		}
		want := fmt.Sprintf("back-off 10s restarting failed container=main pod=retry_default(%s)", retry.UID)
		if cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" || cs.State.Waiting.Message != want ||
			p.Status.Phase != corev1.PodRunning {
			return fmt.Errorf("want CrashLoopBackOff: %+v", cs.State)
		}
		return nil
	})
	clock.Advance(10 * time.Second)
	p := waitPod(t, l, "retry", 30*time.Second, func(p *corev1.Pod, ev *events.Event) error {
		if p.Status.Phase != corev1.PodSucceeded || ev.Change() != "succeeded" {
			return fmt.Errorf("phase %s", p.Status.Phase)
		}
		return nil
	})
	cs, _ := mainStatus(p)
	last := cs.LastTerminationState.Terminated
	if cs.RestartCount != 1 || cs.State.Terminated == nil || cs.State.Terminated.ExitCode != 0 ||
		last == nil || last.ExitCode != 1 || last.Reason != "Error" || last.FinishedAt.IsZero() {
		t.Fatalf("retry: %+v", cs)
	}

	// The second back-off of the crashing pod is twice the first.
	waitPod(t, l, "crash", 30*time.Second, func(p *corev1.Pod, _ *events.Event) error {
		cs, err := mainStatus(p)
		if err != nil {
			return err
		}
		want := fmt.Sprintf("back-off 20s restarting failed container=main pod=crash_default(%s)", crash.UID)
		if cs.RestartCount != 1 || cs.State.Waiting == nil || cs.State.Waiting.Message != want || cs.LastTerminationState.Terminated == nil {
			return fmt.Errorf("want the second back-off: restarts %d %+v", cs.RestartCount, cs.State)
		}
		return nil
	})
}

// skewedClock runs with real time, moved ahead by what Advance added.
type skewedClock struct {
	mu   sync.Mutex
	skew time.Duration
}

func (c *skewedClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return time.Now().Add(c.skew)
}

func (c *skewedClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.skew += d
}
