package natslog

import (
	"context"
	"fmt"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
)

// EmbeddedOptions configure an in-process NATS server with JetStream.
type EmbeddedOptions struct {
	Dir  string // JetStream storage directory
	Host string // default 127.0.0.1
	Port int    // 0 picks a free port
	Name string // server name (stable across restarts for a cluster node)
	// Cluster, when set, joins a NATS cluster: listen address and routes.
	ClusterName   string
	ClusterListen string // host:port
	Routes        []string
}

// Embedded is a running in-process NATS server.
type Embedded struct {
	Server *server.Server
}

// StartEmbedded starts a NATS server with JetStream and waits until it accepts
// clients.
func StartEmbedded(o EmbeddedOptions) (*Embedded, error) {
	host := o.Host
	if host == "" {
		host = "127.0.0.1"
	}
	port := o.Port
	if port == 0 {
		port = server.RANDOM_PORT
	}
	opts := &server.Options{
		ServerName: o.Name,
		Host:       host,
		Port:       port,
		JetStream:  true,
		StoreDir:   o.Dir,
		NoSigs:     true,
		NoLog:      true,
		MaxPayload: 8 << 20,
	}
	if o.ClusterName != "" {
		h, p, err := SplitHostPort("cluster listen", o.ClusterListen)
		if err != nil {
			return nil, err
		}
		opts.Cluster = server.ClusterOpts{Name: o.ClusterName, Host: h, Port: p}
		opts.Routes = server.RoutesFromStr(joinComma(o.Routes))
	}
	s, err := server.NewServer(opts)
	if err != nil {
		return nil, fmt.Errorf("nats server: %w", err)
	}
	go s.Start()
	if !s.ReadyForConnections(30 * time.Second) {
		s.Shutdown()
		return nil, fmt.Errorf("nats server on %s:%d did not become ready", host, port)
	}
	return &Embedded{Server: s}, nil
}

// URL is the client URL of the server.
func (e *Embedded) URL() string { return e.Server.ClientURL() }

// Connect opens a client connection to the server.
func (e *Embedded) Connect(name string) (*nats.Conn, error) {
	return Connect(e.URL(), name)
}

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.Server.Shutdown()
	e.Server.WaitForShutdown()
}

// Connect dials NATS with settings suited to long-running services: retry
// forever on reconnect, so a NATS node restart is survived.
func Connect(url, name string) (*nats.Conn, error) {
	nc, err := nats.Connect(url, nats.Name(name), nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond), nats.RetryOnFailedConnect(true))
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", url, err)
	}
	return nc, nil
}

// Dial connects to url as name and opens the cluster's log on the
// connection (Open, bounded by 30s); Log.Close closes the connection.
func Dial(ctx context.Context, url, name string, cfg Config) (*Log, error) {
	nc, err := Connect(url, name)
	if err != nil {
		return nil, err
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	l, err := Open(octx, nc, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return l, nil
}
