package allinone

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jetplane/jetplane/client"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/seal"
	"github.com/jetplane/jetplane/services/clusterdns"
	"github.com/jetplane/jetplane/services/endpointcontroller"
	"github.com/jetplane/jetplane/services/nodeagent"
	"github.com/jetplane/jetplane/services/replicacontroller"
	"github.com/jetplane/jetplane/services/scheduler"
	"github.com/jetplane/jetplane/services/sealer"
	"github.com/jetplane/jetplane/services/serviceproxy"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
)

// DefaultSnapshotEvery: projections snapshot after this many events, so a
// restart replays at most about that many.
const DefaultSnapshotEvery = 10000

// DefaultSnapshotInterval: and at least this often while events come.
const DefaultSnapshotInterval = 5 * time.Minute

// Options configure an all-in-one control plane.
type Options struct {
	DataDir     string // NATS storage, kubeconfig and token live here
	GatewayAddr string // default 127.0.0.1:8080; port 0 picks one
	NATSHost    string // default 127.0.0.1
	NATSPort    int    // default 4222; -1 picks one
	// NATSSyncAlways fsyncs every JetStream write; else JetStream flushes
	// every NATSSyncInterval (0: its default, two minutes).
	NATSSyncAlways   bool
	NATSSyncInterval time.Duration
	ImagesDir        string // process runtime images
	// Runtime of the local node: docker, process or hollow; empty: docker
	// when a Docker engine answers and the hello images are there or can
	// be built, else process.
	Runtime  string
	NodeName string // default: the host name
	// Tokens adds users: bearer token → user name, beside the admin (who is
	// in system:masters); RBAC decides what they may do.
	Tokens map[string]string
	// AnonymousAuth lets requests without credentials in as
	// system:anonymous, subject to RBAC (off: a 401 but for health and version).
	AnonymousAuth bool
	// ServiceCIDR: where cluster IPs come from (default 10.96.0.0/12).
	ServiceCIDR string
	// IngressAddr serves Ingress rules over HTTP (default 127.0.0.1:8081;
	// "-" turns it off).
	IngressAddr string
	// ClusterIPs: whether this host's kernel carries the ClusterIP data
	// path (serviceproxy.ClusterIPsOff, the default here; Auto; On).
	ClusterIPs string
	// DNSAddr runs the cluster DNS (CoreDNS) at host:port, or DNSAuto;
	// "" or "-": none (pods keep the node's resolver). ClusterDNS is
	// kube-dns's cluster IP (default: the range's tenth address);
	// DNSUpstreams answer other names (default: /etc/resolv.conf).
	DNSAddr      string
	ClusterDNS   string
	DNSUpstreams []string
	// DNSCacheSeconds caps how long answers are cached (default 30).
	DNSCacheSeconds int
	// DNSHealthAddr and DNSReadyAddr serve CoreDNS's /health and /ready
	// (host:port; empty: not served).
	DNSHealthAddr, DNSReadyAddr string
	Events                      natslog.Config
	// NodeLifecycle: when silent nodes turn Unknown and their pods are evicted.
	NodeLifecycle replicacontroller.NodeLifecycleConfig
	// SealEvery and SealInterval: when the sealer checkpoints the log
	// (defaults 1000 events, 10s; key in <data>/pki/seal.key).
	SealEvery    int
	SealInterval time.Duration
	// UsageInterval is how often the node agent reports usage (kubectl
	// top; default 15s).
	UsageInterval time.Duration
}

// TrustDir is where a data directory keeps its NATS operator and account
// keys (seeds 0600): what signs every NATS identity.
func TrustDir(dataDir string) string { return filepath.Join(dataDir, "pki", "nats") }

// AdminCertLifetime is how long the admin's client certificate, issued anew
// at every start, is valid.
const AdminCertLifetime = 365 * 24 * time.Hour

// Cluster is a running all-in-one control plane.
type Cluster struct {
	GatewayURL string
	NATSURL    string
	DNSAddr    string // where the cluster DNS answers ("" without one)
	Kubeconfig string
	Token      string
	// CAPEM is the certificate authority the gateway's serving certificate
	// chains to; HTTPClient trusts it.
	CAPEM []byte
	Log   *natslog.Log // a client connection of the caller's own, for tests and tools

	admin    client.Credentials // what the admin kubeconfig presents
	events   natslog.Config     // how every connection opens the log
	trust    *natslog.Trust     // signs every NATS identity
	pki      *pki
	nats     *natslog.Embedded
	cancel   context.CancelFunc
	services sync.WaitGroup
	mu       sync.Mutex
	conns    []*natslog.Log
	errs     []error
}

// Start brings the control plane up and returns once the gateway serves.
// Everything stops when ctx ends or Stop is called; Wait returns after that.
func Start(ctx context.Context, o Options) (*Cluster, error) {
	if err := o.defaults(); err != nil {
		return nil, err
	}
	trust, err := natslog.EnsureTrust(TrustDir(o.DataDir))
	if err != nil {
		return nil, err
	}
	gwHost, _, err := net.SplitHostPort(o.GatewayAddr)
	if err != nil {
		return nil, fmt.Errorf("gateway address %q: %w", o.GatewayAddr, err)
	}
	cidr := o.ServiceCIDR
	if cidr == "" {
		cidr = apis.DefaultServiceCIDR
	}
	services, err := apis.ParseServiceRange(cidr)
	if err != nil {
		return nil, err
	}
	certs, err := loadPKI(filepath.Join(o.DataDir, "pki"), gwHost, services.At(0))
	if err != nil {
		return nil, err
	}
	natsOpts := natslog.EmbeddedOptions{
		Dir: filepath.Join(o.DataDir, "nats"), Host: o.NATSHost, Port: o.NATSPort, Name: "jetplane-" + o.NodeName, Trust: trust,
		SyncAlways: o.NATSSyncAlways, SyncInterval: o.NATSSyncInterval}
	if !natslog.IsLoopback(o.NATSHost) {
		// Beyond loopback NATS serves TLS only, with a certificate of the
		// cluster CA that every connection of this process trusts.
		if natsOpts.TLS, err = natsTLS(certs, o.NATSHost); err != nil {
			return nil, err
		}
		o.Events.CAPEM = certs.CAPEM
	}
	srv, err := natslog.StartEmbedded(natsOpts)
	if err != nil {
		return nil, err
	}
	ctx, cancel := context.WithCancel(ctx)
	c := &Cluster{NATSURL: natslog.LoopbackURL(srv.URL()), nats: srv, cancel: cancel, trust: trust, pki: certs, events: o.Events}
	fail := func(err error) (*Cluster, error) {
		cancel()
		_ = c.Wait()
		return nil, err
	}
	if c.Log, err = c.open(ctx, "jetplane-up", natslog.Identity{Role: natslog.RoleOperator}, o.Events); err != nil {
		return fail(err)
	}
	if err := natslog.EnsureReaders(ctx, c.NATSURL, trust, o.Events); err != nil {
		return fail(err)
	}
	gw, err := c.startGateway(ctx, o)
	if err != nil {
		return fail(err)
	}
	c.Kubeconfig = filepath.Join(o.DataDir, "kubeconfig")
	if err := client.WriteKubeconfig(c.Kubeconfig, c.GatewayURL, c.CAPEM, "admin", c.admin); err != nil {
		return fail(err)
	}
	if err := c.startServices(ctx, o); err != nil {
		return fail(err)
	}
	// "Up" means a user can schedule onto this machine: wait for the node.
	if err := waitNodeReady(ctx, gw.Projection(), o.NodeName); err != nil {
		return fail(err)
	}
	logrus.WithFields(logrus.Fields{"service": "up", "gateway": c.GatewayURL, "nats": c.NATSURL,
		"kubeconfig": c.Kubeconfig}).Info("jetplane is up")
	return c, nil
}

func (c *Cluster) startServices(ctx context.Context, o Options) error {
	type svc struct {
		name string
		id   natslog.Identity
		run  func(*natslog.Log) error
	}
	controlPlane := func(name string) natslog.Identity {
		return natslog.Identity{Role: natslog.RoleControlPlane, Name: name}
	}
	rt, keep, err := nodeRuntime(ctx, o)
	if err != nil {
		return fmt.Errorf("node runtime: %w", err)
	}
	proxyCfg := serviceproxy.Config{Node: o.NodeName, Address: nodeagent.HostIP, IngressAddress: o.IngressAddr,
		ClusterIPs: o.ClusterIPs, ServiceCIDR: o.ServiceCIDR}
	if proxyCfg.IngressAddress == "-" {
		proxyCfg.IngressAddress = ""
	}
	if proxyCfg.DataPath, err = serviceproxy.OpenDataPath(ctx, proxyCfg); err != nil {
		return err
	}
	proxyRuns := false
	defer func() {
		if !proxyRuns && proxyCfg.DataPath != nil { // failed before the proxy took it over
			_ = proxyCfg.DataPath.Close(context.WithoutCancel(ctx))
		}
	}()
	clusterDNS, err := c.startDNS(ctx, o, rt)
	if err != nil {
		return err
	}
	var dnsServers []string
	switch {
	case clusterDNS != "" && proxyCfg.DataPath == nil:
		// Pods would name a cluster IP nothing routes: they keep the node's resolver.
		logrus.WithField("service", "up").Warn("the cluster DNS runs, but without the ClusterIP data path pods cannot reach it: they keep the node's resolver")
	case clusterDNS != "":
		dnsServers = []string{clusterDNS}
	}
	sealKey, err := seal.EnsureKey(filepath.Join(o.DataDir, "pki"))
	if err != nil {
		return err
	}
	services := []svc{
		{"scheduler", controlPlane("scheduler"), func(l *natslog.Log) error {
			return scheduler.Run(ctx, scheduler.Config{Log: l, Instance: o.NodeName})
		}},
		{"replicacontroller", controlPlane("replicacontroller"), func(l *natslog.Log) error {
			return replicacontroller.Run(ctx, replicacontroller.Config{Log: l, Instance: o.NodeName, NodeLifecycle: o.NodeLifecycle,
				LocalPathRoot: filepath.Join(o.DataDir, "local-path"), RootCA: c.pki.CAPEM})
		}},
		{"endpointcontroller", controlPlane("endpointcontroller"), func(l *natslog.Log) error {
			return endpointcontroller.Run(ctx, endpointcontroller.Config{Log: l, Instance: o.NodeName})
		}},
		{"sealer", controlPlane("sealer"), func(l *natslog.Log) error {
			return sealer.Run(ctx, sealer.Config{Log: l, Key: sealKey, Instance: o.NodeName, Every: o.SealEvery, Interval: o.SealInterval})
		}},
		{"nodeagent", natslog.Identity{Role: natslog.RoleNode, Name: o.NodeName}, func(l *natslog.Log) error {
			return nodeagent.Run(ctx, nodeagent.Config{Log: l, NodeName: o.NodeName, Runtime: rt, KeepContainers: keep,
				ClusterDNS: dnsServers, ClusterDomain: clusterdns.DefaultDomain, UsageInterval: o.UsageInterval,
				PodsDir: filepath.Join(o.DataDir, "nodes", o.NodeName, "pods")})
		}},
		{"serviceproxy", natslog.Identity{Role: natslog.RoleProxy, Name: o.NodeName}, func(l *natslog.Log) error {
			proxyCfg.Log = l
			return serviceproxy.Run(ctx, proxyCfg)
		}},
	}
	for _, s := range services {
		cfg := o.Events
		if s.id.Role == natslog.RoleNode || s.id.Role == natslog.RoleProxy {
			cfg.SnapshotEvery, cfg.SnapshotInterval = 0, 0 // a node writes no snapshot others would load
		}
		l, err := c.open(ctx, "jetplane-"+s.name, s.id, cfg)
		if err != nil {
			return err
		}
		c.goRun(s.name, func() error { return s.run(l) })
	}
	proxyRuns = true
	return nil
}

// open gives a service its own NATS connection as id, closed once every
// service has returned (so a stopping agent can still report). The
// operator's connection manages the streams and buckets.
func (c *Cluster) open(ctx context.Context, name string, id natslog.Identity, cfg natslog.Config) (*natslog.Log, error) {
	cfg.Manage = id.Role == natslog.RoleOperator
	creds, err := c.trust.Mint(id, cfg)
	if err != nil {
		return nil, err
	}
	cfg.Credentials = creds
	l, err := natslog.Dial(ctx, c.NATSURL, name, cfg)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.conns = append(c.conns, l)
	c.mu.Unlock()
	return l, nil
}

// OpenAs connects to the cluster's NATS as id, with credentials the
// cluster's trust mints, for a service run beside the cluster (a second
// node agent on this host, in tests); Stop closes it. Nodes and proxies
// write no snapshots.
func (c *Cluster) OpenAs(ctx context.Context, name string, id natslog.Identity) (*natslog.Log, error) {
	cfg := c.events
	if id.Role == natslog.RoleNode || id.Role == natslog.RoleProxy {
		cfg.SnapshotEvery, cfg.SnapshotInterval = 0, 0
	}
	return c.open(ctx, name, id, cfg)
}

func (c *Cluster) goRun(name string, run func() error) {
	c.services.Add(1)
	go func() {
		defer c.services.Done()
		if err := run(); err != nil && !errors.Is(err, context.Canceled) {
			logrus.WithField("service", name).WithError(err).Error("service stopped")
			c.mu.Lock()
			c.errs = append(c.errs, fmt.Errorf("%s: %w", name, err))
			c.mu.Unlock()
			c.cancel()
		}
	}()
}

// HTTPClient calls the gateway trusting its certificate authority.
func (c *Cluster) HTTPClient() *http.Client {
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(c.CAPEM)
	return &http.Client{Transport: &http.Transport{TLSClientConfig: &tls.Config{RootCAs: pool, MinVersion: tls.VersionTLS12}}}
}

// dialable turns a listen address into one a client can dial: an
// unspecified host (0.0.0.0, ::) becomes the loopback address.
func dialable(addr net.Addr) string {
	host, port, err := net.SplitHostPort(addr.String())
	if err != nil {
		return addr.String()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port)
}

// nodeReadyTimeout bounds how long Start waits for its node.
const nodeReadyTimeout = 10 * time.Minute

// waitNodeReady blocks until the projection shows node Ready.
func waitNodeReady(ctx context.Context, p *projections.Projection, node string) error {
	// A long log takes a while to replay before the agent reports.
	ctx, cancel := context.WithTimeout(ctx, nodeReadyTimeout)
	defer cancel()
	for {
		ch := p.Changed()
		if e := p.State().Live("nodes", "", node); e != nil {
			if n, ok := e.Object.(*corev1.Node); ok && nodeReady(n) {
				return nil
			}
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return fmt.Errorf("node %s not ready: %w", node, ctx.Err())
		}
	}
}

func nodeReady(n *corev1.Node) bool {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

// Stop shuts everything down and waits.
func (c *Cluster) Stop() error {
	c.cancel()
	return c.Wait()
}

// Stopped tells whether Stop was called or the cluster failed.
func (c *Cluster) Stopped() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.conns == nil
}

// Wait blocks until every service and the NATS server have stopped.
func (c *Cluster) Wait() error {
	c.services.Wait()
	c.mu.Lock()
	defer c.mu.Unlock()
	for _, l := range c.conns {
		l.Close()
	}
	c.conns = nil
	c.nats.Shutdown()
	return errors.Join(c.errs...)
}

// tokens is every user the gateway knows: the admin and Options.Tokens.
func (o *Options) tokens(admin string) map[string]string {
	all := map[string]string{admin: "admin"}
	for tok, user := range o.Tokens {
		all[tok] = user
	}
	return all
}

func (o *Options) defaults() error {
	for _, user := range o.Tokens {
		// Groups are the user's: another token for "admin" would be in
		// system:masters too.
		if user == "admin" {
			return errors.New(`--token: "admin" is the administrator's name; give other users other names`)
		}
	}
	if o.DataDir == "" {
		o.DataDir = "jetplane-data"
	}
	if err := os.MkdirAll(o.DataDir, 0o755); err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	abs, err := filepath.Abs(o.DataDir) // Docker binds pods' volumes by absolute path
	if err != nil {
		return fmt.Errorf("data dir: %w", err)
	}
	o.DataDir = abs
	if o.GatewayAddr == "" {
		o.GatewayAddr = "127.0.0.1:8080"
	}
	if o.Events.SnapshotEvery == 0 {
		o.Events.SnapshotEvery = DefaultSnapshotEvery
	}
	if o.Events.SnapshotInterval == 0 {
		o.Events.SnapshotInterval = DefaultSnapshotInterval
	}
	if o.IngressAddr == "" {
		o.IngressAddr = "127.0.0.1:8081"
	}
	if o.NATSHost == "" {
		o.NATSHost = "127.0.0.1"
	}
	if o.NATSPort == 0 {
		o.NATSPort = 4222
	}
	if o.ImagesDir == "" {
		o.ImagesDir = filepath.Join("bin", "images")
	}
	if o.NodeName == "" {
		h, err := os.Hostname()
		if err != nil {
			return fmt.Errorf("node name: %w", err)
		}
		o.NodeName = strings.ToLower(h)
	}
	return nil
}

// loadToken reads the admin token, creating it on first start so the
// kubeconfig stays valid across restarts.
func loadToken(path string) (string, error) {
	if b, err := os.ReadFile(path); err == nil && len(strings.TrimSpace(string(b))) > 0 {
		return strings.TrimSpace(string(b)), nil
	}
	buf := make([]byte, 16)
	if _, err := rand.Read(buf); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	tok := hex.EncodeToString(buf)
	if err := os.WriteFile(path, []byte(tok+"\n"), 0o600); err != nil {
		return "", fmt.Errorf("token: %w", err)
	}
	return tok, nil
}
