package tcpbalancer_test

import (
	"bufio"
	"context"
	"fmt"
	"net"
	"strings"
	"testing"

	"github.com/jetplane/jetplane/tcpbalancer"
)

// backend answers each line with its name and the line.
func backend(t *testing.T, name string) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				sc := bufio.NewScanner(c)
				for sc.Scan() {
					fmt.Fprintf(c, "%s:%s\n", name, sc.Text())
				}
			}()
		}
	}()
	return ln
}

func ask(t *testing.T, addr, line string) (string, error) {
	t.Helper()
	c, err := net.Dial("tcp", addr)
	if err != nil {
		return "", err
	}
	defer c.Close()
	fmt.Fprintln(c, line)
	reply, err := bufio.NewReader(c).ReadString('\n')
	return strings.TrimSpace(reply), err
}

// Connections are spread over the backends that answer; one that is gone
// is skipped, and the connection goes to another; with none, the client's
// connection is closed.
func TestBalancerSpreadsAndSkipsBackendsThatAreGone(t *testing.T) {
	a, b := backend(t, "a"), backend(t, "b")
	gone, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	goneAddr := gone.Addr().String()
	gone.Close()

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	errs := make(chan error, 100)
	bal := &tcpbalancer.Balancer{Backends: []string{a.Addr().String(), goneAddr, b.Addr().String()}}
	served := make(chan error, 1)
	go func() { served <- bal.Serve(ctx, ln, func(err error) { errs <- err }) }()

	seen := map[string]int{}
	for i := range 30 {
		reply, err := ask(t, ln.Addr().String(), fmt.Sprint(i))
		if err != nil {
			t.Fatalf("connection %d: %v", i, err)
		}
		name, line, _ := strings.Cut(reply, ":")
		if line != fmt.Sprint(i) {
			t.Fatalf("connection %d: reply %q", i, reply)
		}
		seen[name]++
	}
	if seen["a"] == 0 || seen["b"] == 0 || seen["a"]+seen["b"] != 30 {
		t.Errorf("connections per backend %v: want both used, all answered", seen)
	}

	a.Close()
	b.Close()
	if reply, err := ask(t, ln.Addr().String(), "x"); err == nil {
		t.Errorf("no backend left, yet a reply %q", reply)
	}
	if err := <-errs; err == nil || !strings.Contains(err.Error(), "no backend answers") {
		t.Errorf("error %v, want no backend answers", err)
	}
	cancel()
	if err := <-served; err != nil {
		t.Errorf("serve: %v", err)
	}
}
