package nodereports_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/services/nodereports"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// With real credentials: a node reports the status of its own pod (the
// actor recorded is the node, whatever the report claims) and is refused
// the status of another node's pod and a change of its spec.
func TestReportsAreCheckedAndAttributedToTheNode(t *testing.T) {
	t.Parallel()
	srv, trust := eventstest.SecureServer(t)
	eventstest.LogAs(t, srv, trust, natslog.Identity{Role: natslog.RoleOperator})
	cp := eventstest.LogAs(t, srv, trust, natslog.Identity{Role: natslog.RoleControlPlane, Name: "gateway"})
	n1 := eventstest.LogAs(t, srv, trust, natslog.Identity{Role: natslog.RoleNode, Name: "n1"})
	nodereports.ServeForTest(t, cp)
	ctx := context.Background()
	pods := events.MustLookup("pods")
	bound := func(name, node string) *corev1.Pod {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default", UID: types.UID("uid-" + name)},
			Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}
		if _, err := cp.Write(ctx, events.Origin{Source: "jetplane/test", Actor: "system:jetplane:scheduler"},
			events.Write{Resource: pods, Change: events.Created, Object: p}); err != nil {
			t.Fatal(err)
		}
		return p
	}
	mine, theirs := bound("mine", "n1"), bound("theirs", "n2")
	liar := events.Origin{Source: "jetplane/scheduler", Actor: "system:jetplane:scheduler"}
	report := n1.Reporter("n1")

	running := func(p *corev1.Pod) *corev1.Pod {
		p = p.DeepCopy()
		p.Status.Phase = corev1.PodRunning
		return p
	}
	seqOf := func(p *corev1.Pod) uint64 { s, _ := events.ParseRV(p.ResourceVersion); return s }
	ev, err := report.Write(ctx, liar, events.Write{Resource: pods, Change: "running", Object: running(mine), Expected: seqOf(mine)})
	if err != nil {
		t.Fatalf("own pod's status: %v", err)
	}
	stored, err := cp.Get(ctx, ev.Seq)
	if err != nil {
		t.Fatal(err)
	}
	if stored.Actor != "system:node:n1" || stored.Source != "jetplane/nodeagent/n1" {
		t.Fatalf("recorded as %q from %q, want system:node:n1", stored.Actor, stored.Source)
	}

	_, err = report.Write(ctx, liar, events.Write{Resource: pods, Change: "running", Object: running(theirs), Expected: seqOf(theirs)})
	if !errors.Is(err, events.ErrReportRejected) {
		t.Fatalf("another node's pod: %v, want rejected", err)
	}
	moved := running(mine)
	moved.Spec.NodeName = "n1"
	moved.Spec.Containers[0].Image = "evil:1"
	_, err = report.Write(ctx, liar, events.Write{Resource: pods, Change: "running", Object: moved, Expected: ev.Seq})
	if !errors.Is(err, events.ErrReportRejected) {
		t.Fatalf("a spec change: %v, want rejected", err)
	}
	_, err = report.Write(ctx, liar, events.Write{Resource: events.MustLookup("deployments"), Change: events.Deleted,
		Object: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", Namespace: "default"}}})
	if !errors.Is(err, events.ErrReportRejected) {
		t.Fatalf("a deployment deletion: %v, want rejected", err)
	}
	if _, last, _ := cp.Bounds(ctx); last != ev.Seq {
		t.Fatalf("the log moved past the accepted report: last %d, want %d", last, ev.Seq)
	}
}

// A report whose event names one object and carries another, or whose
// type is another kind's, is refused before any rule is asked.
func TestReportsMustBeWhatTheirSubjectSays(t *testing.T) {
	t.Parallel()
	l := eventstest.Log(t)
	nodereports.ServeForTest(t, l)
	ctx := context.Background()
	pods := events.MustLookup("pods")
	mine := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "mine", Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "n1"}}
	ev, err := l.Write(ctx, events.Origin{Source: "t", Actor: "t"}, events.Write{Resource: pods, Change: events.Created, Object: mine})
	if err != nil {
		t.Fatal(err)
	}
	other := mine.DeepCopy()
	other.Name = "other"
	e, err := events.NewEvent(events.Origin{Source: "t", Actor: "t"}, events.Write{Resource: pods, Change: "running", Object: other}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	e.Name = "mine" // the subject of mine, the data of other
	if _, err := l.Reporter("n1").Append(ctx, e, ev.Seq); !errors.Is(err, events.ErrReportRejected) {
		t.Fatalf("mismatched object: %v", err)
	}
	e, _ = events.NewEvent(events.Origin{Source: "t", Actor: "t"}, events.Write{Resource: pods, Change: "running", Object: mine.DeepCopy()}, time.Now())
	e.Type = "dev.jetplane.deployment.deleted"
	if _, err := l.Reporter("n1").Append(ctx, e, ev.Seq); !errors.Is(err, events.ErrReportRejected) {
		t.Fatalf("another kind's type: %v", err)
	}
}
