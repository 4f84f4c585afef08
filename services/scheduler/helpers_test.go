package scheduler

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

var testOrigin = events.Origin{Source: "jetplane/test/t", Actor: "test"}

// start runs a scheduler instance until the test ends (or stop is called)
// and waits for it to return, so nothing writes after the server is gone.
func start(t *testing.T, log *natslog.Log, instance string, lease time.Duration) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, Config{Log: log, Instance: instance, LeaseDuration: lease}) }()
	var once bool
	stop = func() {
		if once {
			return
		}
		once = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("scheduler %s: %v", instance, err)
		}
	}
	t.Cleanup(stop)
	return stop
}

// watch is the test's own view of the log.
func watch(t *testing.T, log *natslog.Log) *projections.State {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	p := projections.New(log, "test")
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	return p.State()
}

func write(t testing.TB, log *natslog.Log, resource string, obj events.Object) {
	t.Helper()
	events.PrepareCreate(obj, time.Now())
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if _, err := log.Write(ctx, testOrigin, events.Write{Resource: events.MustLookup(resource), Change: events.Created, Object: obj}); err != nil {
		t.Fatal(err)
	}
}

func readyNode(name string, maxPods int64, lbls map[string]string) *corev1.Node {
	n := &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: name, Labels: lbls}}
	n.Status.Conditions = []corev1.NodeCondition{{Type: corev1.NodeReady, Status: corev1.ConditionTrue}}
	n.Status.Allocatable = corev1.ResourceList{
		corev1.ResourcePods:   *resource.NewQuantity(maxPods, resource.DecimalSI),
		corev1.ResourceCPU:    resource.MustParse("4"),
		corev1.ResourceMemory: resource.MustParse("8Gi"),
	}
	return n
}

func pendingPod(name string, nodeSelector map[string]string) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"}}
	p.Spec.Containers = []corev1.Container{{Name: "app", Image: "jetplane/hello:1"}}
	p.Spec.NodeSelector = nodeSelector
	p.Status.Phase = corev1.PodPending
	return p
}

func podNamed(st *projections.State, name string) (*corev1.Pod, error) {
	e := st.Live("pods", "default", name)
	if e == nil {
		return nil, fmt.Errorf("pod %s not found", name)
	}
	return e.Object.(*corev1.Pod), nil
}

func scheduledCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodScheduled {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// history reads every event the stream holds, oldest first.
func history(t *testing.T, log *natslog.Log) []*events.Event {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	_, last, err := log.Bounds(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var out []*events.Event
	if last == 0 {
		return nil
	}
	end := errors.New("end")
	err = log.Follow(ctx, events.FilterSubject("", ""), 1, func(ev *events.Event, decErr error) error {
		if decErr == nil {
			out = append(out, ev)
		}
		if ev.Seq >= last {
			return end
		}
		return nil
	})
	if !errors.Is(err, end) {
		t.Fatal(err)
	}
	return out
}
