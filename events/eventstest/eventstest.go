// Package eventstest gives tests a real embedded JetStream and polling helpers.
package eventstest

import (
	"context"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/nats.go/jetstream"
)

// Server starts an embedded NATS server with JetStream in a temporary directory,
// stopped when the test ends.
func Server(t testing.TB) *events.Embedded {
	t.Helper()
	srv, err := events.StartEmbedded(events.EmbeddedOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("embedded nats: %v", err)
	}
	t.Cleanup(srv.Shutdown)
	return srv
}

// Log starts a server and opens the cluster's log on it.
func Log(t testing.TB) *events.Log {
	t.Helper()
	return LogOn(t, Server(t))
}

// LogOn opens the log on an existing server with a fresh connection.
func LogOn(t testing.TB, srv *events.Embedded) *events.Log {
	t.Helper()
	nc, err := srv.Connect(t.Name())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := events.Open(ctx, nc, events.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// Eventually polls cond until it returns nil or the deadline passes, then
// fails with cond's last error.
func Eventually(t testing.TB, timeout time.Duration, cond func() error) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	wait := 5 * time.Millisecond
	for {
		err := cond()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("not true after %v: %v", timeout, err)
		}
		time.Sleep(wait)
		if wait < 200*time.Millisecond {
			wait *= 2
		}
	}
}

// ReadRaw reads the first n messages of the log's event stream through a
// bare ordered consumer, decoding nothing: the raw replay ceiling that
// benchmarks set their replay figures beside.
func ReadRaw(tb testing.TB, l *events.Log, n int) {
	tb.Helper()
	ctx := context.Background()
	cons, err := l.JS.OrderedConsumer(ctx, l.Config.EventsStream(), jetstream.OrderedConsumerConfig{})
	if err != nil {
		tb.Fatal(err)
	}
	it, err := cons.Messages(jetstream.PullMaxMessages(2000))
	if err != nil {
		tb.Fatal(err)
	}
	defer it.Stop()
	for range n {
		if _, err := it.Next(); err != nil {
			tb.Fatal(err)
		}
	}
}
