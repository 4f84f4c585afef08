package eventstest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/natslog"
)

// Cluster is a NATS cluster of embedded servers on loopback, for tests of
// what a node's loss does (no credentials: the cluster's weather, not its
// trust, is under test).
type Cluster struct {
	Servers []*natslog.Embedded
	Names   []string
	up      []bool
}

// StartCluster starts n servers routed to each other and waits until
// JetStream answers; they stop when the test ends.
func StartCluster(t testing.TB, n int) *Cluster {
	t.Helper()
	routes := make([]string, n)
	listens := make([]string, n)
	for i := range n {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		listens[i] = ln.Addr().String()
		routes[i] = "nats://" + listens[i]
		_ = ln.Close()
	}
	c := &Cluster{}
	for i := range n {
		name := fmt.Sprintf("n%d", i+1)
		var others []string
		for j, r := range routes {
			if j != i {
				others = append(others, r)
			}
		}
		srv, err := natslog.StartEmbedded(natslog.EmbeddedOptions{Dir: t.TempDir(), Name: name, ClusterName: "test",
			ClusterListen: listens[i], Routes: others})
		if err != nil {
			t.Fatalf("cluster node %s: %v", name, err)
		}
		c.Servers, c.Names, c.up = append(c.Servers, srv), append(c.Names, name), append(c.up, true)
	}
	t.Cleanup(func() {
		for i, s := range c.Servers {
			if c.up[i] {
				s.Shutdown()
			}
		}
	})
	return c
}

// URLs are the client URLs of every server, for a client that moves to
// another when one goes.
func (c *Cluster) URLs() string {
	var us []string
	for _, s := range c.Servers {
		us = append(us, s.URL())
	}
	return strings.Join(us, ",")
}

// Kill stops the server named name at once.
func (c *Cluster) Kill(name string) {
	for i, n := range c.Names {
		if n == name && c.up[i] {
			c.Servers[i].Shutdown()
			c.up[i] = false
		}
	}
}

// Log opens the log with R3 streams and buckets on the cluster, retrying
// while JetStream elects its leaders.
func (c *Cluster) Log(t testing.TB, name string) *natslog.Log {
	t.Helper()
	var l *natslog.Log
	Eventually(t, 60*time.Second, func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		var err error
		l, err = natslog.Dial(ctx, c.URLs(), name, natslog.Config{Replicas: len(c.Servers)})
		return err
	})
	t.Cleanup(l.Close)
	return l
}
