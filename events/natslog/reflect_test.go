package natslog_test

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
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// The NATS server answers a JetStream read onto whatever reply subject the
// reader names, whatever its permissions. A node reads in the readers'
// account, so its answers land there: not in Jetplane's buckets nor in
// EVENTS, and never as a report (no reply subject). It may read back
// nothing it wrote (no LOGS read: refused). A message shaped like such a copy, put on an
// EVENTS subject (by the operator here, standing for any way in), is
// skipped by every reader, and so is an event on another object's subject.
func TestReflectedReadsAreNoEvents(t *testing.T) {
	t.Parallel()
	srv, trust := eventstest.SecureServer(t)
	op := eventstest.LogAs(t, srv, trust, natslog.Identity{Role: natslog.RoleOperator})
	ctx := context.Background()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "a", Namespace: "default"}, Spec: corev1.PodSpec{NodeName: "n2"}}
	if _, err := op.Write(ctx, origin, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod}); err != nil {
		t.Fatal(err)
	}
	reports := make(chan struct{}, 8)
	if _, err := op.ServeReports(ctx, 1, func(context.Context, string, *events.Event, uint64) (uint64, error) {
		reports <- struct{}{}
		return 0, errors.New("no report expected")
	}); err != nil {
		t.Fatal(err)
	}
	nc, errs := conn(t, srv, trust, natslog.Identity{Role: natslog.RoleNode, Name: "n1"})
	forged := forgedPod(t)
	refused(t, "reading LOGS back", "$JS.API.DIRECT.GET.LOGS", errs, func(ctx context.Context) error {
		_, err := nc.RequestWithContext(ctx, "$JS.API.DIRECT.GET.LOGS.jetplane.node.n1.logs.default.p.c.u.0", nil)
		return err
	})
	body, _ := json.Marshal(map[string]any{"seq": 1})
	// The node reads its account's mirror: once it holds seq 1, aim the
	// answers at what matters in Jetplane's account.
	eventstest.Eventually(t, 5*time.Second, func() error {
		m, err := nc.Request("$JS.API.DIRECT.GET.EVENTS", body, time.Second)
		if err != nil || m.Header.Get("Nats-Sequence") != "1" {
			return fmt.Errorf("the mirror has not got seq 1: %v", err)
		}
		return nil
	})
	for _, m := range []*nats.Msg{
		{Subject: "$JS.API.DIRECT.GET.EVENTS", Reply: "jetplane.ev.deployments.default.web", Data: body},
		{Subject: "$JS.API.DIRECT.GET.EVENTS", Reply: "jetplane.node.n2.report", Data: body},
		{Subject: "$JS.API.DIRECT.GET.EVENTS", Reply: "$KV.leases.leader.scheduler", Data: body},
		{Subject: "$JS.API.DIRECT.GET.EVENTS", Reply: "$KV.allocations.10_96_0_1", Data: body},
	} {
		if err := nc.PublishMsg(m); err != nil {
			t.Fatal(err)
		}
	}
	// What a copy would look like, and an event moved to another subject.
	opc, _ := conn(t, srv, trust, natslog.Identity{Role: natslog.RoleOperator})
	js, _ := jetstream.New(opc)
	copied := nats.Header{}
	for k, v := range forged.Header {
		copied[k] = v
	}
	moved := nats.Header{}
	for k, v := range copied {
		moved[k] = v
	}
	copied.Set("Nats-Stream", "LOGS")
	copied.Del("Nats-Msg-Id")
	moved.Del("Nats-Msg-Id")
	for _, m := range []*nats.Msg{{Subject: forged.Subject, Header: copied, Data: forged.Data},
		{Subject: "jetplane.ev.pods.default.moved", Header: moved, Data: forged.Data}} {
		if _, err := js.PublishMsg(ctx, m); err != nil {
			t.Fatal(err)
		}
	}
	for _, key := range []string{"leader.scheduler"} {
		if _, err := op.Leases().Get(ctx, key); !errors.Is(err, events.ErrNotFound) {
			t.Fatalf("lease %s after the reflections: %v (a reader wrote Jetplane's bucket)", key, err)
		}
	}
	if _, err := op.Allocations().Get(ctx, "10_96_0_1"); !errors.Is(err, events.ErrNotFound) {
		t.Fatalf("allocation after the reflections: %v", err)
	}
	if _, last, err := op.Bounds(ctx); err != nil || last != 3 {
		t.Fatalf("last %d (%v): the two copies should be stored, to be skipped", last, err)
	}
	eventstest.Quiet(t, op, 500*time.Millisecond, 5*time.Second)
	var decoded []string
	if err := op.Replay(ctx, events.FilterSubject("", ""), 1, 0, func(ev *events.Event, decErr error) error {
		if decErr == nil {
			decoded = append(decoded, ev.Resource+"/"+ev.Name+" by "+ev.Actor)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(decoded) != 1 || decoded[0] != "pods/a by tester" {
		t.Fatalf("events a reader sees: %v, want only the real one", decoded)
	}
	select {
	case <-reports:
		t.Fatal("a server's answer was taken as a report")
	default:
	}
}
