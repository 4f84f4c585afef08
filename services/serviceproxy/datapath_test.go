package serviceproxy

import (
	"context"
	"errors"
	"io"
	"net"
	"net/netip"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jetplane/jetplane/clusterip"
	"github.com/jetplane/jetplane/routing"
	corev1 "k8s.io/api/core/v1"
)

// serveName answers every connection with name and keeps it open until
// the client closes, so a test can tell backends apart and hold a
// connection across a rule change.
func serveName(t *testing.T, ln net.Listener, name string, peers *sync.Map) {
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			peers.Store(c.RemoteAddr().(*net.TCPAddr).IP.String(), true)
			go func() {
				defer c.Close()
				buf := make([]byte, 64)
				for {
					if _, err := io.WriteString(c, name+"\n"); err != nil {
						return
					}
					if _, err := c.Read(buf); err != nil {
						return
					}
				}
			}()
		}
	}()
}

// ask connects from namespace i to addr and returns the first line served.
func ask(h *testHosts, i int, addr string) (string, error) {
	var line string
	var err error
	h.in(i, func() {
		var c net.Conn
		if c, err = net.DialTimeout("tcp", addr, 2*time.Second); err != nil {
			return
		}
		defer c.Close()
		_ = c.SetDeadline(time.Now().Add(2 * time.Second))
		buf := make([]byte, 64)
		var n int
		n, err = c.Read(buf)
		line = strings.TrimSpace(string(buf[:n]))
	})
	return line, err
}

func rule(ip string, port int32, affinity time.Duration, backends ...string) clusterip.Rule {
	r := clusterip.Rule{Namespace: "default", Service: "svc-" + ip, PortName: "http", IP: netip.MustParseAddr(ip),
		Protocol: corev1.ProtocolTCP, Port: port, Affinity: affinity}
	for _, b := range backends {
		host, port, _ := net.SplitHostPort(b)
		p, _ := net.LookupPort("tcp", port)
		r.Backends = append(r.Backends, routing.Backend{IP: host, Port: int32(p)})
	}
	return r
}

// TestClusterIPDataPath programs the data path in a network namespace of
// its own (so the machine's rules are untouched) and sends real
// connections through it: from a pod and from the host, spread over the
// backends, with ClientIP affinity, refused when there is no endpoint,
// established connections kept across a change, and nothing left behind.
func TestClusterIPDataPath(t *testing.T) {
	h := newTestHosts(t, 2) // pod 1: the client; pod 2: two backends
	h.run("ip", "-n", h.ns(2), "addr", "add", "10.244.2.3/24", "dev", h.prefix+"p2")
	var peers sync.Map // client addresses the backends saw
	h.in(2, func() {
		for _, a := range []string{"10.244.2.2:8080", "10.244.2.3:8080"} {
			ln, err := net.Listen("tcp", a)
			if err != nil {
				t.Error(err)
				return
			}
			serveName(t, ln, a, &peers)
		}
	})
	cidr := netip.MustParsePrefix("10.97.0.0/16")
	ctx := context.Background()
	LockDir = t.TempDir()
	var dp *DataPath
	var err error
	h.in(0, func() { dp, err = openDataPath(ctx, "jetplane-test", cidr) })
	if err != nil {
		t.Fatal(err)
	}
	closed := false
	t.Cleanup(func() {
		if !closed {
			h.in(0, func() { _ = dp.Close(ctx) })
		}
	})
	sync := func(rules ...clusterip.Rule) {
		t.Helper()
		h.in(0, func() { _, err = dp.table.sync(ctx, render(rules, dp.masqueradeAll)) })
		if err != nil {
			t.Fatal(err)
		}
	}
	web := rule("10.97.0.10", 80, 0, "10.244.2.2:8080", "10.244.2.3:8080")
	sticky := rule("10.97.0.12", 80, time.Hour, "10.244.2.2:8080", "10.244.2.3:8080")
	empty := rule("10.97.0.11", 80, 0)
	sync(web, sticky, empty)

	seen := map[string]int{}
	for i := 0; i < 30; i++ {
		got, err := ask(h, 1, "10.97.0.10:80")
		if err != nil {
			t.Fatalf("pod → cluster IP: %v", err)
		}
		seen[got]++
	}
	if len(seen) != 2 {
		t.Fatalf("30 connections from a pod reached %v, want both backends", seen)
	}
	if got, err := ask(h, 0, "10.97.0.10:80"); err != nil || !strings.HasPrefix(got, "10.244.2.") {
		out, _ := exec.Command("ip", "netns", "exec", h.ns(0), "nft", "list", "ruleset").CombinedOutput()
		t.Fatalf("host → cluster IP: %q, %v\n%s", got, err, out)
	}
	// The host's connection left masqueraded (its source had been the
	// service address, which a backend elsewhere could not answer).
	if _, ok := peers.Load("10.244.2.1"); !ok {
		var saw []any
		peers.Range(func(k, _ any) bool { saw = append(saw, k); return true })
		t.Fatalf("the host's connection was not masqueraded: backends saw %v", saw)
	}
	if _, ok := peers.Load("10.97.0.10"); ok {
		t.Fatal("a backend saw the service address as a source")
	}
	sticky1, err := ask(h, 1, "10.97.0.12:80")
	if err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 10; i++ {
		if got, err := ask(h, 1, "10.97.0.12:80"); err != nil || got != sticky1 {
			t.Fatalf("ClientIP affinity: connection %d reached %q (%v), the first reached %q", i, got, err, sticky1)
		}
	}
	for _, addr := range []string{"10.97.0.11:80", "10.97.0.99:80", "10.97.0.10:81"} {
		for _, from := range []int{0, 1} {
			if _, err := ask(h, from, addr); !errors.Is(err, syscall.ECONNREFUSED) {
				t.Fatalf("from namespace %d, %s (no endpoint) answered %v; want connection refused", from, addr, err)
			}
		}
	}

	// An established connection keeps its backend when that backend leaves
	// the rules; new connections go to the one left.
	var held net.Conn
	var heldTo string
	for heldTo != "10.244.2.3:8080" {
		if held != nil {
			held.Close()
		}
		h.in(1, func() { held, err = net.DialTimeout("tcp", "10.97.0.10:80", 2*time.Second) })
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]byte, 64)
		n, _ := held.Read(buf)
		heldTo = strings.TrimSpace(string(buf[:n]))
	}
	defer held.Close()
	sync(rule("10.97.0.10", 80, 0, "10.244.2.2:8080"), sticky, empty)
	for i := 0; i < 10; i++ {
		if got, err := ask(h, 1, "10.97.0.10:80"); err != nil || got != "10.244.2.2:8080" {
			t.Fatalf("after the change, a new connection reached %q (%v)", got, err)
		}
	}
	// Hairpin: a backend reaching itself through its own Service.
	if got, err := ask(h, 2, "10.97.0.10:80"); err != nil || got != "10.244.2.2:8080" {
		t.Fatalf("hairpin: %q, %v", got, err)
	}
	buf := make([]byte, 64)
	_ = held.SetDeadline(time.Now().Add(2 * time.Second))
	if _, err := held.Write([]byte("again\n")); err != nil {
		t.Fatalf("established connection broken by the change: %v", err)
	}
	if n, err := held.Read(buf); err != nil || strings.TrimSpace(string(buf[:n])) != "10.244.2.3:8080" {
		t.Fatalf("established connection after the change: %q, %v", buf[:n], err)
	}

	// A second owner on the same host is refused, not let to fight.
	h.in(0, func() { _, err = openDataPath(ctx, "jetplane-test", cidr) })
	if !errors.Is(err, ErrNotOwner) {
		t.Fatalf("second owner: %v, want ErrNotOwner", err)
	}

	h.in(0, func() { err = dp.Close(ctx) })
	closed = true
	if err != nil {
		t.Fatal(err)
	}
	out, _ := exec.Command("ip", "netns", "exec", h.ns(0), "nft", "list", "tables").CombinedOutput()
	if strings.Contains(string(out), "jetplane-test") {
		t.Fatalf("table left after close: %s", out)
	}
	out, _ = exec.Command("ip", "-n", h.ns(0), "route", "show", "table", "local").CombinedOutput()
	if strings.Contains(string(out), "10.97.0.0/16") {
		t.Fatalf("route left after close: %s", out)
	}
}
