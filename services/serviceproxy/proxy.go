package serviceproxy

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/routing"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
)

// Config of one node's service proxy.
type Config struct {
	Log  *natslog.Log
	Node string
	// Address is the host the node's ports listen on (the node's address,
	// 127.0.0.1 for a process-runtime node).
	Address string
	// IngressAddress, when set, serves the Ingress rules over HTTP there
	// (host:port).
	IngressAddress string
	// ClusterIPs programs the ClusterIP data path into this host's kernel
	// (nftables and the service range's local route): ClusterIPsOff (the
	// default), ClusterIPsAuto (warn and go on without it when the host
	// does not allow it) or ClusterIPsOn (fail).
	ClusterIPs string
	// ServiceCIDR is the service range (default 10.96.0.0/12).
	ServiceCIDR string
	// Table is the data path's nftables table (default "jetplane"); one
	// process per host owns it.
	Table string
	// DataPath, when set, is the data path OpenDataPath programmed (Run
	// then opens none itself, and closes this one).
	DataPath *DataPath
	Now      func() time.Time
}

// Modes of Config.ClusterIPs.
const (
	ClusterIPsOff  = "off"
	ClusterIPsAuto = "auto"
	ClusterIPsOn   = "on"
)

const dialTimeout = 2 * time.Second

// proxy is one node's set of open ports.
type proxy struct {
	cfg   Config
	proj  *projections.Projection
	log   *logrus.Entry
	mu    sync.Mutex
	ports map[int32]*port
	dp    *DataPath // nil: no ClusterIP data path here
}

// port is one listening port and what it serves now.
type port struct {
	ln       net.Listener
	mu       sync.Mutex
	spec     routing.Listener
	balancer routing.Balancer
}

// Run keeps the node's ports open and forwarding until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Log == nil {
		return errors.New("serviceproxy: no log")
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Address == "" {
		cfg.Address = "127.0.0.1"
	}
	p := &proxy{cfg: cfg, proj: projections.New(cfg.Log, "serviceproxy-"+cfg.Node), ports: map[int32]*port{},
		log: logrus.WithFields(logrus.Fields{"service": "serviceproxy", "node": cfg.Node}), dp: cfg.DataPath}
	defer p.closeDataPath()
	if err := p.proj.Start(ctx); err != nil {
		if ctx.Err() != nil {
			return nil
		}
		return fmt.Errorf("serviceproxy: %w", err)
	}
	defer p.closeAll()
	if p.dp == nil {
		var err error
		if p.dp, err = OpenDataPath(ctx, cfg); err != nil {
			return err
		}
	}
	if cfg.IngressAddress != "" {
		go func() {
			if err := p.serveIngress(ctx, cfg.IngressAddress); err != nil {
				p.log.WithError(err).Error("ingress stopped")
			}
		}()
	}
	for {
		changed := p.proj.Changed()
		p.sync()
		select {
		case <-ctx.Done():
			return nil
		case <-p.proj.Done():
			return fmt.Errorf("serviceproxy: projection stopped")
		case <-changed:
		}
	}
}

// sync opens, updates and closes ports to match the Services.
func (p *proxy) sync() {
	var svcs []*corev1.Service
	for _, e := range p.proj.State().List("services", "", nil) {
		if s, ok := e.Object.(*corev1.Service); ok {
			svcs = append(svcs, s)
		}
	}
	want, conflicts := routing.Listeners(svcs)
	for _, c := range conflicts {
		p.log.WithField("conflict", c).Warn("port claimed twice")
	}
	p.syncClusterIPs(svcs)
	p.mu.Lock()
	defer p.mu.Unlock()
	keep := map[int32]bool{}
	for _, l := range want {
		keep[l.Port] = true
		if cur, ok := p.ports[l.Port]; ok {
			cur.mu.Lock()
			cur.spec = l
			cur.mu.Unlock()
			continue
		}
		ln, err := net.Listen("tcp", net.JoinHostPort(p.cfg.Address, strconv.Itoa(int(l.Port))))
		if err != nil {
			p.log.WithError(err).WithField("port", l.Port).Warn("cannot open service port")
			continue
		}
		pt := &port{ln: ln, spec: l}
		p.ports[l.Port] = pt
		go p.serve(pt)
		p.log.WithFields(logrus.Fields{"port": l.Port, "key": l.Namespace + "/" + l.Service}).Info("service port open")
	}
	for n, pt := range p.ports {
		if !keep[n] {
			pt.ln.Close()
			delete(p.ports, n)
			p.log.WithField("port", n).Info("service port closed")
		}
	}
}

func (p *proxy) closeAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for n, pt := range p.ports {
		pt.ln.Close()
		delete(p.ports, n)
	}
}

func (p *proxy) serve(pt *port) {
	for {
		c, err := pt.ln.Accept()
		if err != nil {
			return // closed
		}
		go p.forward(pt, c)
	}
}

// forward connects a client to a ready backend, trying the next one when a
// backend refuses, and copies both ways until either side closes.
func (p *proxy) forward(pt *port, client net.Conn) {
	defer client.Close()
	pt.mu.Lock()
	spec := pt.spec
	pt.mu.Unlock()
	var ep *corev1.Endpoints
	if e := p.proj.State().Live("endpoints", spec.Namespace, spec.Service); e != nil {
		ep, _ = e.Object.(*corev1.Endpoints)
	}
	targets := routing.Targets(ep, spec.ServicePort)
	clientIP, _, _ := net.SplitHostPort(client.RemoteAddr().String())
	var backend net.Conn
	for tries := 0; tries < len(targets) && backend == nil; tries++ {
		t := pt.balancer.Pick(targets, clientIP, spec.Affinity, p.cfg.Now())
		conn, err := net.DialTimeout("tcp", t, dialTimeout)
		if err != nil {
			targets = remove(targets, t)
			tries--
			continue
		}
		backend = conn
	}
	if backend == nil {
		return // no ready endpoint: the client sees the connection close
	}
	defer backend.Close()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
		done <- struct{}{}
	}
	go pipe(backend, client)
	go pipe(client, backend)
	<-done
	<-done
}

func remove(xs []string, x string) []string {
	out := xs[:0:0]
	for _, v := range xs {
		if v != x {
			out = append(out, v)
		}
	}
	return out
}
