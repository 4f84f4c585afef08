package gateway

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"github.com/jetplane/jetplane/secretenvelope"

	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/authz"
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
	// Beside starts what runs in the gateway's process over its projection
	// before it serves (the node report service: cmd wires it, the gateway
	// imports no other service).
	Beside   func(ctx context.Context, p *projections.Projection) error
	Log      *natslog.Log
	Instance string       // for the event source "jetplane/gateway/<instance>"
	Addr     string       // listen address, default "127.0.0.1:8080"
	Listener net.Listener // optional; if set, used instead of Addr (tests)
	// Tokens maps a bearer token to a user name (static tokens, as
	// kube-apiserver's token file); Groups are those users' groups (the
	// admin's: system:masters).
	Tokens map[string]string
	Groups map[string][]string
	// ClientCAs verifies client certificates: the subject's common name is
	// the user, its organizations the groups. Nil accepts none.
	ClientCAs *x509.CertPool
	// Anonymous lets a request without credentials in as system:anonymous
	// (group system:unauthenticated), subject to RBAC. Off, only the health
	// and version endpoints answer it; everything else is a 401.
	Anonymous bool
	// TLS, if set, makes Run serve https (kubectl sends bearer tokens only
	// to an https server).
	TLS *tls.Config
	// ServiceCIDR is the range cluster IPs come from (default 10.96.0.0/12).
	ServiceCIDR string
	// ClusterDNS is kube-system/kube-dns's cluster IP (default: the
	// range's tenth address, 10.96.0.10), the kubelet's --cluster-dns.
	ClusterDNS string

	// ServiceAccountKey signs the tokens of the TokenRequest API and
	// verifies them (kube-apiserver's --service-account-signing-key-file);
	// nil: no token subresource. ServiceAccountPublicKeys verify tokens too
	// (those signed before a key rotation).
	// SecretKeys are the cluster keys that wrap Secrets' data keys
	// (LoadSecretKeyring); nil: Secrets can be neither written nor read.
	SecretKeys               *secretenvelope.Keyring
	ServiceAccountKey        crypto.Signer
	ServiceAccountPublicKeys []crypto.PublicKey
	// ServiceAccountIssuer is the iss claim of the tokens signed and
	// accepted (default DefaultServiceAccountIssuer); APIAudiences are the
	// audiences a token must name (default: the issuer).
	ServiceAccountIssuer string
	APIAudiences         []string
	// Now is the clock ServiceAccount tokens are judged by; time.Now when
	// nil (tests expire tokens with it).
	Now func() time.Time
}

// Anonymous is the identity of requests that present no credentials.
const Anonymous = authn.Anonymous

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
	openapi openAPIDocs   // /openapi/v2 and /openapi/v3, built on first request
	fields  fieldManagers // managedFields and server-side apply
	logger  *logrus.Entry
	// running ends with the context given to New; open watches end with it,
	// whichever http.Server serves the handler.
	running context.Context
	travel  *timeTravel  // reads of the past, shared with the Jetplane API
	turns   proxyTurns   // service proxy round robin
	usage   usageReports // the node agents' latest usage (metrics.k8s.io)
	// secretKeys seal and open Secrets (secrets.go).
	secretKeys *secretKeys

	serviceRange apis.ServiceRange
}

// New starts the gateway's projection, makes sure the built-in namespaces
// exist and returns a server ready to handle requests.
func New(ctx context.Context, cfg Config) (*Server, error) {
	routeKlog()
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

		secretKeys: &secretKeys{ring: cfg.SecretKeys, bucket: cfg.Log.SecretKeys()},

		serviceRange: serviceRange,
	}
	if err := s.proj.Start(ctx); err != nil {
		return nil, fmt.Errorf("gateway projection: %w", err)
	}
	if err := s.ensureNamespaces(ctx); err != nil {
		return nil, err
	}
	if err := s.ensurePolicy(ctx); err != nil {
		return nil, err
	}
	if err := s.ensureServiceAccounts(ctx); err != nil {
		return nil, err
	}
	if err := s.ensureDNSService(ctx); err != nil {
		return nil, err
	}
	if err := s.ensureMasterService(ctx); err != nil {
		return nil, err
	}
	if err := s.ensureStorageClass(ctx); err != nil {
		return nil, err
	}
	go s.sweepSecretKeys(ctx)
	go s.serveNodeAsks(ctx)
	if err := s.subscribeUsage(); err != nil {
		return nil, fmt.Errorf("gateway: %w", err)
	}
	s.handler = s.routes()
	return s, nil
}

// ensureNamespaces creates the built-in namespaces; a conflict means one
// already exists (or existed), which is fine.
func (s *Server) ensureNamespaces(ctx context.Context) error {
	var objs []events.Object
	for _, name := range protectedNamespaces {
		if s.proj.State().Get("namespaces", "", name) == nil {
			objs = append(objs, &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: name}})
		}
	}
	return s.ensure(ctx, events.MustLookup("namespaces"), objs)
}

// ensureServiceAccounts gives the built-in namespaces their default
// ServiceAccount at start, so that they have it before any controller runs
// (a gateway alone, as in the gateway's tests); the replica controller's
// ServiceAccount loop keeps it in every namespace afterwards.
func (s *Server) ensureServiceAccounts(ctx context.Context) error {
	var objs []events.Object
	for _, ns := range protectedNamespaces {
		if s.proj.State().Live("serviceaccounts", ns, defaultServiceAccount) == nil {
			objs = append(objs, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: defaultServiceAccount, Namespace: ns}})
		}
	}
	return s.ensure(ctx, events.MustLookup("serviceaccounts"), objs)
}

// defaultServiceAccount is the ServiceAccount every namespace has.
const defaultServiceAccount = "default"

// ensurePolicy writes the bootstrap RBAC policy (authz.Bootstrap: the
// default cluster roles and bindings, and those of Jetplane's services)
// where it is missing, as kube-apiserver does at every start: as events, so
// it has a history like everything else. An existing object, changed by an
// administrator, is left as it is.
func (s *Server) ensurePolicy(ctx context.Context) error {
	roles, bindings := authz.Bootstrap()
	var objs []events.Object
	for i := range roles {
		if s.proj.State().Live("clusterroles", "", roles[i].Name) == nil {
			objs = append(objs, &roles[i])
		}
	}
	if err := s.ensure(ctx, events.MustLookup("clusterroles"), objs); err != nil {
		return err
	}
	objs = objs[:0]
	for i := range bindings {
		if s.proj.State().Live("clusterrolebindings", "", bindings[i].Name) == nil {
			objs = append(objs, &bindings[i])
		}
	}
	return s.ensure(ctx, events.MustLookup("clusterrolebindings"), objs)
}

// ensure creates objects of res as the gateway, each expecting the last
// sequence of its name (0, or a tombstone's); a conflict means another
// gateway was first, which is fine. It waits until its projection has them.
func (s *Server) ensure(ctx context.Context, res events.Resource, objs []events.Object) error {
	var last uint64
	for _, obj := range objs {
		var expected uint64
		if e := s.proj.State().Get(res.Name, obj.GetNamespace(), obj.GetName()); e != nil {
			expected = e.Seq
		}
		apis.Default(res, obj)
		events.PrepareCreate(obj, time.Now())
		ev, err := s.log.Write(ctx, events.ServiceOrigin("gateway", s.cfg.Instance),
			events.Write{Resource: res, Change: events.Created, Object: obj, Expected: expected})
		if errors.Is(err, events.ErrConflict) {
			continue
		}
		if err != nil {
			return fmt.Errorf("gateway: create %s %s: %w", res.Singular, obj.GetName(), err)
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
	if cfg.Beside != nil {
		if err := cfg.Beside(ctx, s.Projection()); err != nil {
			return err
		}
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
	return events.Origin{Source: s.source, Actor: userOf(r.Context()), Impersonator: impersonatorOf(r.Context()),
		FieldManager: fieldManagerOf(r)}
}
