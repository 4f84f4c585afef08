package natslog_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
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

// forgedPod is the first forgery of issue 17: a pod already bound to a
// node, attributed to the scheduler.
func forgedPod(t *testing.T) *events.Message {
	t.Helper()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "evil", Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: "n1", Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1"}}}}
	e, err := events.NewEvent(events.Origin{Source: "jetplane/scheduler", Actor: "system:jetplane:scheduler"},
		events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	m, err := events.Encode(e)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// conn is a raw nats.go connection as id, the way an attacker holding
// id's credentials would connect, with its asynchronous errors collected.
func conn(t *testing.T, srv *natslog.Embedded, trust *natslog.Trust, id natslog.Identity) (*nats.Conn, chan error) {
	t.Helper()
	creds, err := trust.Mint(id, natslog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	path := t.TempDir() + "/id.creds"
	if err := creds.WriteFile(path); err != nil {
		t.Fatal(err)
	}
	errs := make(chan error, 64)
	nc, err := nats.Connect(srv.URL(), nats.UserCredentials(path), nats.CustomInboxPrefix(id.Inbox()),
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { errs <- err }))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	return nc, errs
}

// refused asserts that op fails and that the server reported a
// permissions violation on subject.
func refused(t *testing.T, what, subject string, errs chan error, op func(ctx context.Context) error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := op(ctx); err == nil {
		t.Fatalf("%s: allowed", what)
	}
	deadline := time.After(5 * time.Second)
	for {
		select {
		case err := <-errs:
			if errors.Is(err, nats.ErrPermissionViolation) && strings.Contains(err.Error(), subject) {
				return
			}
		case <-deadline:
			t.Fatalf("%s: no permissions violation on %q", what, subject)
		}
	}
}

func TestAnonymousClientsAreRefused(t *testing.T) {
	t.Parallel()
	srv, _ := eventstest.SecureServer(t)
	if nc, err := nats.Connect(srv.URL(), nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("connected without credentials")
	} else if !errors.Is(err, nats.ErrAuthorization) && !strings.Contains(err.Error(), "Authorization") {
		t.Fatalf("connect without credentials: %v", err)
	}
}

// Issue 17's forgeries with a node agent's, a proxy's and an auditor's
// credentials: NATS refuses each; the stream is untouched.
func TestForgeriesAreRefusedToEveryNonOperator(t *testing.T) {
	t.Parallel()
	srv, trust := eventstest.SecureServer(t)
	op := eventstest.LogAs(t, srv, trust, natslog.Identity{Role: natslog.RoleOperator})
	for _, id := range []natslog.Identity{{Role: natslog.RoleNode, Name: "n1"}, {Role: natslog.RoleProxy, Name: "n1"},
		{Role: natslog.RoleAuditor, Name: "alice"}} {
		t.Run(id.String(), func(t *testing.T) {
			nc, errs := conn(t, srv, trust, id)
			js, err := jetstream.New(nc)
			if err != nil {
				t.Fatal(err)
			}
			m := forgedPod(t)
			refused(t, "a forged pod event", m.Subject, errs, func(ctx context.Context) error {
				_, err := js.PublishMsg(ctx, &nats.Msg{Subject: m.Subject, Header: nats.Header(m.Header), Data: m.Data})
				return err
			})
			refused(t, "a forged deletion", "jetplane.ev.deployments.default.web", errs, func(ctx context.Context) error {
				_, err := js.Publish(ctx, "jetplane.ev.deployments.default.web", []byte("{}"))
				return err
			})
			refused(t, "DeleteStream EVENTS", "$JS.API.STREAM.DELETE.EVENTS", errs, func(ctx context.Context) error {
				return js.DeleteStream(ctx, "EVENTS")
			})
			refused(t, "another node's report", "jetplane.node.n2.report", errs, func(ctx context.Context) error {
				_, err := nc.RequestWithContext(ctx, "jetplane.node.n2.report", []byte("{}"))
				return err
			})
		})
	}
	ctx := context.Background()
	if _, last, err := op.Bounds(ctx); err != nil || last != 0 {
		t.Fatalf("EVENTS after the forgeries: last %d, %v", last, err)
	}
}

// The control plane appends but manages no stream and speaks for no node.
func TestControlPlaneCannotManageStreamsNorReportForNodes(t *testing.T) {
	t.Parallel()
	srv, trust := eventstest.SecureServer(t)
	eventstest.LogAs(t, srv, trust, natslog.Identity{Role: natslog.RoleOperator})
	cp := eventstest.LogAs(t, srv, trust, natslog.Identity{Role: natslog.RoleControlPlane, Name: "gateway"})
	ctx := context.Background()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "ok", Namespace: "default"}}
	if _, err := cp.Write(ctx, origin, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod}); err != nil {
		t.Fatalf("the control plane's append: %v", err)
	}
	nc, errs := conn(t, srv, trust, natslog.Identity{Role: natslog.RoleControlPlane, Name: "gateway"})
	js, _ := jetstream.New(nc)
	refused(t, "DeleteStream EVENTS", "$JS.API.STREAM.DELETE.EVENTS", errs, func(ctx context.Context) error {
		return js.DeleteStream(ctx, "EVENTS")
	})
	refused(t, "a node's report", "jetplane.node.n1.report", errs, func(ctx context.Context) error {
		_, err := nc.RequestWithContext(ctx, "jetplane.node.n1.report", []byte("{}"))
		return err
	})
	if _, last, err := cp.Bounds(ctx); err != nil || last != 1 {
		t.Fatalf("EVENTS: last %d, %v", last, err)
	}
}

// Not even the operator removes an event: EVENTS denies deletes and purges.
func TestDeleteAndPurgeAreRefused(t *testing.T) {
	t.Parallel()
	srv, trust := eventstest.SecureServer(t)
	op := eventstest.LogAs(t, srv, trust, natslog.Identity{Role: natslog.RoleOperator})
	ctx := context.Background()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "kept", Namespace: "default"}}
	ev, err := op.Write(ctx, origin, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod})
	if err != nil {
		t.Fatal(err)
	}
	if err := natslog.DeleteEvent(ctx, op, ev.Seq); err == nil {
		t.Fatal("an event was deleted")
	}
	if err := natslog.PurgeEvents(ctx, op); err == nil {
		t.Fatal("EVENTS was purged")
	}
	if got, err := op.Get(ctx, ev.Seq); err != nil || got.Name != "kept" {
		t.Fatalf("the event after delete and purge: %v, %v", got, err)
	}
}

// An auditor reads EVENTS through its own durable consumer, and only that.
func TestAuditorReadsThroughItsOwnConsumer(t *testing.T) {
	t.Parallel()
	srv, trust := eventstest.SecureServer(t)
	op := eventstest.LogAs(t, srv, trust, natslog.Identity{Role: natslog.RoleOperator})
	ctx := context.Background()
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "seen", Namespace: "default"}}
	if _, err := op.Write(ctx, origin, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod}); err != nil {
		t.Fatal(err)
	}
	nc, errs := conn(t, srv, trust, natslog.Identity{Role: natslog.RoleAuditor, Name: "alice"})
	js, _ := jetstream.New(nc)
	cctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	cons, err := js.CreateOrUpdateConsumer(cctx, "EVENTS", jetstream.ConsumerConfig{Durable: natslog.AuditorConsumer("alice")})
	if err != nil {
		t.Fatalf("the auditor's own consumer: %v", err)
	}
	msg, err := cons.Next(jetstream.FetchMaxWait(5 * time.Second))
	if err != nil {
		t.Fatal(err)
	}
	if msg.Subject() != events.Subject("pods", "default", "seen") {
		t.Fatalf("read %s", msg.Subject())
	}
	if err := msg.Ack(); err != nil {
		t.Fatal(err)
	}
	refused(t, "another consumer", "$JS.API.CONSUMER.CREATE.EVENTS.bob", errs, func(ctx context.Context) error {
		_, err := js.CreateOrUpdateConsumer(ctx, "EVENTS", jetstream.ConsumerConfig{Durable: "bob"})
		return err
	})
}

// A trust loaded again with nothing new to sign leaves its files as they
// are, so every node of a cluster may load it from one read-only copy.
func TestEnsureTrustRewritesNothingUnchanged(t *testing.T) {
	dir := t.TempDir()
	if _, err := natslog.EnsureTrust(dir); err != nil {
		t.Fatal(err)
	}
	before := map[string]os.FileInfo{}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		before[e.Name()] = info
	}
	again, err := natslog.EnsureTrust(dir)
	if err != nil {
		t.Fatal(err)
	}
	if !again.CanMint() {
		t.Fatal("loaded again without its account key")
	}
	for name, info := range before {
		now, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		if !now.ModTime().Equal(info.ModTime()) || now.Size() != info.Size() {
			t.Errorf("%s rewritten on a second load", name)
		}
	}
}
