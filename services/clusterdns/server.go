package clusterdns

import (
	golog "log"
	"sync"

	"context"
	"errors"
	"fmt"
	"net"
	"strconv"
	"strings"

	"github.com/sirupsen/logrus"

	"github.com/coredns/caddy"
	_ "github.com/coredns/coredns/core/dnsserver" // the dns server type
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/cache"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/forward"
	_ "github.com/coredns/coredns/plugin/health"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	_ "github.com/coredns/coredns/plugin/ready"
)

// DefaultDomain is the cluster domain (the kubelet's --cluster-domain).
const DefaultDomain = "cluster.local"

// Config of one DNS server.
type Config struct {
	// Kubeconfig is the file client-go reads the API's address and the
	// server's credentials from.
	Kubeconfig string
	// Listen is host:port for UDP and TCP; port 0 picks one free for both.
	Listen string
	// Domain is the cluster domain (default cluster.local).
	Domain string
	// Upstreams answer every other name (forward's targets; default the
	// host's /etc/resolv.conf).
	Upstreams []string
	// HealthListen and ReadyListen serve /health and /ready when set.
	HealthListen, ReadyListen string
	// CacheSeconds: the cache plugin's TTL cap (default 30; 0 keeps it).
	CacheSeconds int
}

// Server is a running CoreDNS.
type Server struct {
	inst *caddy.Instance
	// Addr is where it answers (UDP and TCP).
	Addr string
}

// Corefile is the configuration CoreDNS runs with: the kube-dns addon's,
// bound to one address.
func Corefile(cfg Config, host string, port int) string {
	domain := cfg.Domain
	if domain == "" {
		domain = DefaultDomain
	}
	upstreams := cfg.Upstreams
	if len(upstreams) == 0 {
		upstreams = []string{"/etc/resolv.conf"}
	}
	var b strings.Builder
	fmt.Fprintf(&b, ".:%d {\n  bind %s\n  errors\n", port, host)
	if cfg.HealthListen != "" {
		fmt.Fprintf(&b, "  health %s\n", cfg.HealthListen)
	}
	if cfg.ReadyListen != "" {
		fmt.Fprintf(&b, "  ready %s\n", cfg.ReadyListen)
	}
	fmt.Fprintf(&b, "  kubernetes %s in-addr.arpa ip6.arpa {\n    kubeconfig %s\n    pods insecure\n    fallthrough in-addr.arpa ip6.arpa\n    ttl 30\n  }\n",
		domain, cfg.Kubeconfig)
	fmt.Fprintf(&b, "  forward . %s\n", strings.Join(upstreams, " "))
	if cfg.CacheSeconds >= 0 {
		secs := cfg.CacheSeconds
		if secs == 0 {
			secs = 30
		}
		fmt.Fprintf(&b, "  cache %d\n", secs)
	}
	b.WriteString("}\n")
	return b.String()
}

// Start runs CoreDNS until Stop. It returns once the server listens; the
// kubernetes plugin answers once its informers have synced (the ready
// plugin says when).
func Start(cfg Config) (*Server, error) {
	if cfg.Kubeconfig == "" {
		return nil, errors.New("clusterdns: a kubeconfig is required")
	}
	host, p, err := net.SplitHostPort(cfg.Listen)
	if err != nil {
		return nil, fmt.Errorf("clusterdns: listen %q: %w", cfg.Listen, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil {
		return nil, fmt.Errorf("clusterdns: listen %q: %w", cfg.Listen, err)
	}
	if port == 0 {
		if port, err = freePort(host); err != nil {
			return nil, err
		}
	}
	caddy.Quiet = true // no banner on stdout
	routeCoreDNSLogs()
	inst, err := caddy.Start(caddy.CaddyfileInput{Contents: []byte(Corefile(cfg, host, port)),
		Filepath: "Corefile", ServerTypeName: "dns"})
	if err != nil {
		if inst != nil {
			// Plugins start (the informers, health and ready listeners)
			// before the server binds: a failed bind must stop them.
			_ = inst.Stop()
			_ = inst.ShutdownCallbacks()
		}
		return nil, fmt.Errorf("clusterdns: %w", err)
	}
	return &Server{inst: inst, Addr: net.JoinHostPort(host, strconv.Itoa(port))}, nil
}

// Stop stops the server and its plugins (the informers among them).
func (s *Server) Stop() error {
	err := s.inst.Stop()
	for _, e := range s.inst.ShutdownCallbacks() {
		err = errors.Join(err, e)
	}
	return err
}

// routeCoreDNSLogs sends CoreDNS's log lines ("[INFO] plugin/kubernetes:
// ...", written with the standard library's logger) through logrus with
// service=clusterdns, so that --log-format json holds for them too. The
// standard logger is the process's: nothing else in Jetplane writes to it.
var routeCoreDNSLogs = sync.OnceFunc(func() {
	golog.SetFlags(0)
	golog.SetOutput(logrus.WithField("service", "clusterdns").WriterLevel(logrus.InfoLevel))
})

// freePort finds a port free on host for both TCP and UDP.
func freePort(host string) (int, error) {
	for range 50 {
		ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
		if err != nil {
			return 0, fmt.Errorf("clusterdns: %w", err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		pc, err := net.ListenPacket("udp", net.JoinHostPort(host, strconv.Itoa(port)))
		ln.Close()
		if err == nil {
			pc.Close()
			return port, nil
		}
	}
	return 0, errors.New("clusterdns: no port free for both TCP and UDP")
}

// Run serves until ctx ends, keeping this server listed in kube-dns's
// Endpoints (advertise: the address pods reach it at; default Listen's).
func Run(ctx context.Context, cfg Config, advertise string) error {
	s, err := Start(cfg)
	if err != nil {
		return err
	}
	defer s.Stop()
	if advertise == "" {
		advertise = s.Addr
	}
	return Listed(ctx, cfg.Kubeconfig, advertise)
}
