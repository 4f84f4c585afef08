package natslog

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"github.com/nats-io/jwt/v2"
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
	// Trust, when set, makes the server require a user JWT signed by its
	// account (trust.go) of every client: nothing connects anonymously.
	Trust *Trust
	// TLS serves clients over TLS; required when Host is not loopback.
	TLS *tls.Config
	// ClusterTLS secures the routes (both ways: each node presents its
	// certificate and verifies the peer's); required when the cluster
	// listens beyond loopback. RouteSecret authenticates the routes.
	ClusterTLS  *tls.Config
	RouteSecret string
	// Sync is how JetStream flushes its files to disk: SyncAlways on every
	// write (an acknowledged write survives power loss), else every
	// SyncInterval (0: the server's default, two minutes).
	SyncAlways   bool
	SyncInterval time.Duration
}

// IsLoopback tells whether a listen host is reachable from this machine
// only ("" is the default, 127.0.0.1).
func IsLoopback(host string) bool {
	if host == "" || host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
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
	if !IsLoopback(host) && o.TLS == nil {
		return nil, fmt.Errorf("nats server: listening on %s needs TLS: only loopback listeners may be plain", host)
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
		SyncAlways: o.SyncAlways,
	}
	if o.SyncInterval > 0 {
		opts.SyncInterval = o.SyncInterval
	}
	if o.TLS != nil {
		opts.TLSConfig, opts.TLS, opts.TLSTimeout = o.TLS, true, 5
	}
	if o.Trust != nil {
		if err := trustOptions(opts, o.Trust); err != nil {
			return nil, err
		}
	}
	if o.ClusterName != "" {
		h, p, err := SplitHostPort("cluster listen", o.ClusterListen)
		if err != nil {
			return nil, err
		}
		if !IsLoopback(h) && o.ClusterTLS == nil {
			return nil, fmt.Errorf("nats cluster: routes on %s need TLS: only loopback routes may be plain", h)
		}
		opts.Cluster = server.ClusterOpts{Name: o.ClusterName, Host: h, Port: p, TLSConfig: o.ClusterTLS, TLSTimeout: 5}
		opts.Routes = server.RoutesFromStr(joinComma(o.Routes))
		if o.RouteSecret != "" {
			opts.Cluster.Username, opts.Cluster.Password = "jetplane-route", o.RouteSecret
			for _, r := range opts.Routes {
				r.User = url.UserPassword("jetplane-route", o.RouteSecret)
			}
		}
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

// trustOptions puts the server in operator mode: it trusts t's operator
// and knows its two accounts from memory.
func trustOptions(opts *server.Options, t *Trust) error {
	oc, err := jwt.DecodeOperatorClaims(t.OperatorJWT)
	if err != nil {
		return fmt.Errorf("nats trust: operator: %w", err)
	}
	resolver := &server.MemAccResolver{}
	if err := resolver.Store(t.System, t.SystemJWT); err != nil {
		return fmt.Errorf("nats trust: %w", err)
	}
	if err := resolver.Store(t.Account, t.AccountJWT); err != nil {
		return fmt.Errorf("nats trust: %w", err)
	}
	if err := resolver.Store(t.Readers, t.ReadersJWT); err != nil {
		return fmt.Errorf("nats trust: %w", err)
	}
	opts.TrustedOperators = []*jwt.OperatorClaims{oc}
	opts.SystemAccount = t.System
	opts.AccountResolver = resolver
	return nil
}

// URL is the client URL of the server.
func (e *Embedded) URL() string { return e.Server.ClientURL() }

// Connect opens a client connection to the server, presenting creds
// (none on a server without Trust).
func (e *Embedded) Connect(name string, creds Credentials) (*nats.Conn, error) {
	return Connect(e.URL(), name, creds, nil)
}

// Shutdown stops the server and waits for it.
func (e *Embedded) Shutdown() {
	e.Server.Shutdown()
	e.Server.WaitForShutdown()
}

// Connect dials NATS with settings suited to long-running services: retry
// forever on reconnect, so a NATS node restart is survived.
func Connect(url, name string, creds Credentials, caPEM []byte) (*nats.Conn, error) {
	auth, err := creds.options()
	if err != nil {
		return nil, err
	}
	opts := append([]nats.Option{nats.Name(name), nats.MaxReconnects(-1),
		nats.ReconnectWait(250 * time.Millisecond), nats.RetryOnFailedConnect(true)}, auth...)
	if len(caPEM) > 0 {
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(caPEM) {
			return nil, errors.New("nats: no CA certificate in the PEM given")
		}
		opts = append(opts, nats.Secure(&tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}))
	}
	nc, err := nats.Connect(url, opts...)
	if err != nil {
		return nil, fmt.Errorf("connect %s: %w", url, err)
	}
	return nc, nil
}

// Dial connects to url as name with cfg.Credentials and opens the
// cluster's log on the connection (Open, bounded by 30s); Log.Close closes
// the connection.
func Dial(ctx context.Context, url, name string, cfg Config) (*Log, error) {
	nc, err := Connect(url, name, cfg.Credentials, cfg.CAPEM)
	if err != nil {
		return nil, err
	}
	octx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if id, ok := cfg.Credentials.identity(); ok && id.Role.reader() {
		cfg.reader = true
	}
	l, err := Open(octx, nc, cfg)
	if err != nil {
		nc.Close()
		return nil, err
	}
	return l, nil
}

// LoopbackURL dials a server listening on an unspecified address
// (0.0.0.0, [::]) on loopback, which its serving certificate names.
func LoopbackURL(u string) string {
	for _, unspecified := range []string{"//0.0.0.0:", "//[::]:"} {
		u = strings.Replace(u, unspecified, "//127.0.0.1:", 1)
	}
	return u
}
