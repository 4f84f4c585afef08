package allinone_test

import (
	"context"
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
)

// jetplane verify passes on a cluster that has done some work, and once an
// operator recreates EVENTS without one message — the only tampering left
// to anyone — it fails and names that message's sequence.
func TestVerifyCatchesTheRewrittenHistory(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c := startUnverified(t, dir)
	bin := jetplaneBinary(t)
	for i := range 3 {
		body := fmt.Sprintf(`{"apiVersion":"v1","kind":"Namespace","metadata":{"name":"team-%d"}}`, i)
		if code, out := api(t, c, "POST", "/api/v1/namespaces", []byte(body)); code != http.StatusCreated {
			t.Fatalf("create namespace: %d %s", code, out)
		}
	}
	verify := func() (string, error) {
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		out, err := exec.CommandContext(ctx, bin, "verify", "--data", dir, "--nats", c.NATSURL).CombinedOutput()
		return string(out), err
	}
	eventstest.Eventually(t, time.Minute, func() error {
		out, err := verify()
		if err != nil || !strings.HasPrefix(out, "ok: ") || !strings.Contains(out, "; 0 events after the last") {
			return fmt.Errorf("verify: %v: %s", err, out)
		}
		return nil
	})
	ctx := context.Background()
	if err := c.Log.RewriteWithout(ctx, 5); err != nil {
		t.Fatal(err)
	}
	out, err := verify()
	if err == nil || !strings.Contains(out, "FAILED at seq 5: missing") {
		t.Fatalf("verify after removing seq 5: %v: %s", err, out)
	}
	t.Log(strings.TrimSpace(out))
}

// Beyond loopback the embedded NATS serves TLS only; every service of
// the all-in-one still connects (the cluster CA), and comes up; a client
// with credentials but without the CA cannot.
func TestUpServesNATSOverTLSBeyondLoopback(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: dir, GatewayAddr: "127.0.0.1:0",
		NATSHost: "0.0.0.0", NATSPort: -1, ImagesDir: imagesDir(t), Runtime: "process", NodeName: "node-1", IngressAddr: "-"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	trust, err := natslog.LoadTrust(allinone.TrustDir(dir), true)
	if err != nil {
		t.Fatal(err)
	}
	cfg := natslog.Config{}
	if cfg.Credentials, err = trust.Mint(natslog.Identity{Role: natslog.RoleProxy, Name: "probe"}, cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if l, err := natslog.Dial(ctx, c.NATSURL, "no-ca", cfg); err == nil {
		l.Close()
		t.Fatal("connected without the cluster CA")
	}
	cfg.CAPEM = c.CAPEM
	l, err := natslog.Dial(context.Background(), c.NATSURL, "with-ca", cfg)
	if err != nil {
		t.Fatalf("with the cluster CA: %v", err)
	}
	l.Close()
}
