package gateway

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/jetplane/jetplane/projections"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Config of one gateway instance.
type Config struct {
	Log      *natslog.Log
	Instance string       // for the event source "jetplane/gateway/<instance>"
	Addr     string       // listen address, default "127.0.0.1:8080"
	Listener net.Listener // optional; if set, used instead of Addr (tests)
	// Tokens maps a bearer token to a user name. A request without a token
	// acts as "system:anonymous".
	Tokens map[string]string
	// TLS, if set, makes Run serve https (kubectl sends bearer tokens only
	// to an https server).
	TLS *tls.Config
	// ServiceCIDR is the range cluster IPs come from (default 10.96.0.0/12).
	ServiceCIDR string
}

// Anonymous is the identity of requests that present no token.
const Anonymous = "system:anonymous"

// protectedNamespaces exist from the start and may not be deleted.
var protectedNamespaces = []string{"default", "kube-system", "kube-public"}

// Server is the HTTP API over one projection of the log.
type Server struct {
	cfg     Config
	log     *natslog.Log
	proj    *projections.Projection
	source  string
	metrics *metrics
	handler http.Handler
	logger  *logrus.Entry
	// running ends with the context given to New; open watches end with it,
	// whichever http.Server serves the handler.
	running context.Context
	travel  *timeTravel // reads of the past, shared with the Jetplane API
	turns   proxyTurns  // service proxy round robin

	serviceRange apis.ServiceRange
}

// New starts the gateway's projection, makes sure the built-in namespaces
// exist and returns a server ready to handle requests.
func New(ctx context.Context, cfg Config) (*Server, error) {
	if cfg.Log == nil {
		return nil, errors.New("gateway: no event log")
	}
	if cfg.Instance == "" {
		cfg.Instance = "default"
	}
	if cfg.ServiceCIDR == "" {
		cfg.ServiceCIDR = apis.DefaultServiceCIDR
	}
	serviceRange, err := apis.ParseServiceRange(cfg.ServiceCIDR)
	if err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	s := &Server{
		cfg:     cfg,
		log:     cfg.Log,
		proj:    projections.New(cfg.Log, "gateway"),
		source:  "jetplane/gateway/" + cfg.Instance,
		metrics: newMetrics(),
		logger:  logrus.WithFields(logrus.Fields{"service": "gateway", "instance": cfg.Instance}),
		running: ctx,
		travel:  &timeTravel{log: cfg.Log},

		serviceRange: serviceRange,
	}
	if err := s.proj.Start(ctx); err != nil {
		return nil, fmt.Errorf("gateway projection: %w", err)
	}
	if err := s.ensureNamespaces(ctx); err != nil {
		return nil, err
	}
	s.handler = s.routes()
	return s, nil
}

// ensureNamespaces creates the built-in namespaces; a conflict means one
// already exists (or existed), which is fine.
func (s *Server) ensureNamespaces(ctx context.Context) error {
	res := events.MustLookup("namespaces")
	var last uint64
	for _, name := range protectedNamespaces {
		if s.proj.State().Get("namespaces", "", name) != nil {
			continue
		}
		ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}}
		apis.Default(res, ns)
		events.PrepareCreate(ns, time.Now())
		ev, err := s.log.Write(ctx, events.ServiceOrigin("gateway", s.cfg.Instance),
			events.Write{Resource: res, Change: events.Created, Object: ns})
		if errors.Is(err, events.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("gateway: create namespace %s: %w", name, err)
		}
		last = ev.Seq
	}
	if err := s.proj.WaitFor(ctx, last); err != nil {
		return fmt.Errorf("gateway: %w", err)
	}
	return nil
}

// Handler serves the whole API.
func (s *Server) Handler() http.Handler { return s.handler }

// Projection is the gateway's view of the log.
func (s *Server) Projection() *projections.Projection { return s.proj }

// Run serves the API until ctx ends, then shuts down gracefully.
func Run(ctx context.Context, cfg Config) error {
	s, err := New(ctx, cfg)
	if err != nil {
		return err
	}
	ln := cfg.Listener
	if ln == nil {
		addr := cfg.Addr
		if addr == "" {
			addr = "127.0.0.1:8080"
		}
		if ln, err = net.Listen("tcp", addr); err != nil {
			return fmt.Errorf("gateway listen %s: %w", addr, err)
		}
	}
	srv := &http.Server{Handler: s.Handler(), ReadHeaderTimeout: 10 * time.Second, TLSConfig: cfg.TLS,
		BaseContext: func(net.Listener) context.Context { return ctx }}
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	defer stop()
	s.logger.WithField("addr", ln.Addr().String()).Info("gateway serving")
	serve := srv.Serve
	if cfg.TLS != nil {
		serve = func(ln net.Listener) error { return srv.ServeTLS(ln, "", "") }
	}
	if err := serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("gateway serve: %w", err)
	}
	return nil
}

// origin is who writes for this request.
func (s *Server) origin(r *http.Request) events.Origin {
	return events.Origin{Source: s.source, Actor: userOf(r.Context())}
}
