// Package eventstest gives tests a real embedded JetStream and polling helpers.
package eventstest

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/natslog"
)

// Server starts an embedded NATS server with JetStream in a temporary directory,
// stopped when the test ends.
func Server(t testing.TB) *natslog.Embedded {
	t.Helper()
	srv, err := natslog.StartEmbedded(natslog.EmbeddedOptions{Dir: t.TempDir()})
	if err != nil {
		t.Fatalf("embedded nats: %v", err)
	}
	t.Cleanup(srv.Shutdown)
	return srv
}

// Log starts a server and opens the cluster's log on it.
func Log(t testing.TB) *natslog.Log {
	t.Helper()
	return LogOn(t, Server(t))
}

// LogOn opens the log on an existing server with a fresh connection.
func LogOn(t testing.TB, srv *natslog.Embedded) *natslog.Log {
	t.Helper()
	nc, err := srv.Connect(t.Name(), nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(nc.Close)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := natslog.Open(ctx, nc, natslog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	return l
}

// SecureServer starts an embedded server that requires credentials
// signed by the returned trust, as every Jetplane deployment does.
func SecureServer(t testing.TB) (*natslog.Embedded, *natslog.Trust) {
	t.Helper()
	trust, err := natslog.EnsureTrust(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	srv, err := natslog.StartEmbedded(natslog.EmbeddedOptions{Dir: t.TempDir(), Trust: trust})
	if err != nil {
		t.Fatalf("embedded nats: %v", err)
	}
	t.Cleanup(srv.Shutdown)
	return srv, trust
}

// LogAs opens the log on a SecureServer as id (the operator's connection
// manages the assets), closed when the test ends.
func LogAs(t testing.TB, srv *natslog.Embedded, trust *natslog.Trust, id natslog.Identity) *natslog.Log {
	t.Helper()
	cfg := natslog.Config{Manage: id.Role == natslog.RoleOperator}
	creds, err := trust.Mint(id, cfg)
	if err != nil {
		t.Fatal(err)
	}
	cfg.Credentials = creds
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	l, err := natslog.Dial(ctx, srv.URL(), t.Name()+"/"+id.String(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(l.Close)
	if id.Role == natslog.RoleOperator {
		// The readers' account mirrors EVENTS for node, proxy and auditor identities.
		if err := natslog.EnsureReaders(ctx, srv.URL(), trust, natslog.Config{}); err != nil {
			t.Fatal(err)
		}
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

// Bounded is a log whose sequence bounds can be read (natslog.Log).
type Bounded interface {
	Bounds(ctx context.Context) (first, last uint64, err error)
}

// Quiet waits, up to timeout, until the log's last sequence has stayed put
// for window: the services under test have nothing left to write (a
// decision that is not idempotent would show up as a write). It returns
// that sequence.
func Quiet(t testing.TB, l Bounded, window, timeout time.Duration) uint64 {
	t.Helper()
	var last uint64
	since := time.Now()
	Eventually(t, timeout, func() error {
		_, seq, err := l.Bounds(context.Background())
		if err != nil {
			return err
		}
		if seq != last {
			last, since = seq, time.Now()
		}
		if d := time.Since(since); d < window {
			return fmt.Errorf("last sequence %d steady for only %v of %v", seq, d, window)
		}
		return nil
	})
	return last
}

// ReadRaw reads the first n messages of the log's event stream raw
// (natslog.Log.ReadRaw): the replay ceiling benchmarks set their figures beside.
func ReadRaw(tb testing.TB, l *natslog.Log, n int) {
	tb.Helper()
	if err := l.ReadRaw(context.Background(), n); err != nil {
		tb.Fatal(err)
	}
}
