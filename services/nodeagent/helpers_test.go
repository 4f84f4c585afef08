package nodeagent

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/runtimetest"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// shPod is a pod on the test node whose one container, "main", runs a
// shell script in the hello image's directory.
func shPod(name, script string, mut ...func(*corev1.Pod)) *corev1.Pod {
	grace := int64(5)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: node, RestartPolicy: corev1.RestartPolicyAlways, TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{Name: "main", Image: "jetplane/hello:1", Command: []string{"sh", "-c", script}}}},
	}
	for _, m := range mut {
		m(p)
	}
	return p
}

// execProbe checks with a shell command, every second.
func execProbe(script string, failureThreshold int32) *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{Exec: &corev1.ExecAction{Command: []string{"sh", "-c", script}}},
		PeriodSeconds: 1, FailureThreshold: failureThreshold}
}

// create appends the pod's created event and returns it with its UID.
func create(t *testing.T, l *natslog.Log, p *corev1.Pod) *corev1.Pod {
	t.Helper()
	events.PrepareCreate(p, time.Now())
	if _, err := l.Write(context.Background(), testOrigin, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: p}); err != nil {
		t.Fatal(err)
	}
	return p
}

// deletePod deletes as the gateway does (events.DeleteWrite) with grace
// (-1: the pod's own).
func deletePod(t *testing.T, l *natslog.Log, name string, grace int64) {
	t.Helper()
	p, ev := getPod(t, l, name)
	if _, err := l.Write(context.Background(), testOrigin, events.DeleteWrite(events.MustLookup("pods"), p, ev.Seq, grace, time.Now())); err != nil {
		t.Fatal(err)
	}
}

// waitPod polls the pod's last event until check passes.
func waitPod(t *testing.T, l *natslog.Log, name string, timeout time.Duration, check func(p *corev1.Pod, ev *events.Event) error) *corev1.Pod {
	t.Helper()
	var last *corev1.Pod
	eventstest.Eventually(t, timeout, func() error {
		p, ev := getPod(t, l, name)
		if err := check(p, ev); err != nil {
			return fmt.Errorf("%s (%s): %w", name, ev.Type, err)
		}
		last = p
		return nil
	})
	return last
}

// history is every event of the pod, oldest first.
func history(t *testing.T, l *natslog.Log, name string) []*events.Event {
	t.Helper()
	var out []*events.Event
	err := l.Replay(context.Background(), events.Subject("pods", "default", name), 1, 0, func(ev *events.Event, err error) error {
		if err != nil {
			return err
		}
		out = append(out, ev)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// changes are the change names of the pod's events, oldest first.
func changes(t *testing.T, l *natslog.Log, name string) []string {
	t.Helper()
	var out []string
	for _, ev := range history(t, l, name) {
		out = append(out, ev.Change())
	}
	return out
}

func decodePod(t *testing.T, ev *events.Event) *corev1.Pod {
	t.Helper()
	var p corev1.Pod
	if err := json.Unmarshal(ev.Data, &p); err != nil {
		t.Fatal(err)
	}
	return &p
}

func condition(p *corev1.Pod, c corev1.PodConditionType) corev1.ConditionStatus {
	for _, x := range p.Status.Conditions {
		if x.Type == c {
			return x.Status
		}
	}
	return ""
}

func mainStatus(p *corev1.Pod) (corev1.ContainerStatus, error) {
	for _, cs := range p.Status.ContainerStatuses {
		if cs.Name == "main" {
			return cs, nil
		}
	}
	return corev1.ContainerStatus{}, fmt.Errorf("no status of container main yet: phase %s", p.Status.Phase)
}

// podDir is a temporary directory the test's pods may write to (they run
// as nobody).
func podDir(t *testing.T) string { return runtimetest.SharedDir(t) }
