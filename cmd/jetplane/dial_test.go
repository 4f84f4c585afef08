package main

import (
	"context"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/natslog"
)

// A service started before NATS (and before the streams exist) waits and
// opens the log once they are there, instead of exiting: cold start in
// any order.
func TestServiceWaitsForNATSAndItsStreams(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	trust, err := natslog.EnsureTrust(filepath.Join(dir, "trust"))
	if err != nil {
		t.Fatal(err)
	}
	creds, err := trust.Mint(natslog.Identity{Role: natslog.RoleControlPlane, Name: "scheduler"}, natslog.Config{})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	_ = ln.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	opened := make(chan error, 1)
	go func() {
		l, err := dialRetrying(ctx, "nats://127.0.0.1:"+strconv.Itoa(port), "jetplane-scheduler", natslog.Config{Credentials: creds})
		if err == nil {
			l.Close()
		}
		opened <- err
	}()
	// Nothing listens yet; then NATS comes, and only later its streams.
	srv, err := natslog.StartEmbedded(natslog.EmbeddedOptions{Dir: filepath.Join(dir, "nats"), Port: port, Trust: trust})
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Shutdown()
	select {
	case err := <-opened:
		t.Fatalf("opened before the streams exist: %v", err)
	default:
	}
	if err := ensureAssets(ctx, srv, trust, natslog.Config{}); err != nil {
		t.Fatal(err)
	}
	if err := <-opened; err != nil {
		t.Fatalf("the service did not open the log: %v", err)
	}
}
