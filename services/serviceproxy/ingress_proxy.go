package serviceproxy

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"sync"
	"time"

	"github.com/jetplane/jetplane/routing"
	corev1 "k8s.io/api/core/v1"
	networkingv1 "k8s.io/api/networking/v1"
)

// ingressServer routes HTTP by the Ingress rules to ready endpoints.
type ingressServer struct {
	p         *proxy
	balancers sync.Map // "ns/service/port" → *routing.Balancer
}

func (p *proxy) serveIngress(ctx context.Context, addr string) error {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return fmt.Errorf("ingress listen %s: %w", addr, err)
	}
	srv := &http.Server{Handler: &ingressServer{p: p}, ReadHeaderTimeout: 10 * time.Second}
	stop := context.AfterFunc(ctx, func() {
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(sctx)
	})
	defer stop()
	p.log.WithField("addr", ln.Addr().String()).Info("ingress serving")
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return fmt.Errorf("ingress: %w", err)
	}
	return nil
}

func (s *ingressServer) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	st := s.p.proj.State()
	var ings []*networkingv1.Ingress
	for _, e := range st.List("ingresses", "", nil) {
		if ing, ok := e.Object.(*networkingv1.Ingress); ok {
			ings = append(ings, ing)
		}
	}
	route, ok := routing.MatchIngress(ings, r.Host, r.URL.Path)
	if !ok {
		http.Error(w, "default backend - 404", http.StatusNotFound)
		return
	}
	var svc *corev1.Service
	if e := st.Live("services", route.Namespace, route.Service); e != nil {
		svc, _ = e.Object.(*corev1.Service)
	}
	if svc == nil {
		http.Error(w, fmt.Sprintf("service %s/%s not found", route.Namespace, route.Service), http.StatusServiceUnavailable)
		return
	}
	sp, found := routing.BackendPort(svc, route.Port)
	if !found {
		http.Error(w, fmt.Sprintf("service %s/%s has no port %s", route.Namespace, route.Service, portText(route.Port)), http.StatusServiceUnavailable)
		return
	}
	var ep *corev1.Endpoints
	if ee := st.Live("endpoints", route.Namespace, route.Service); ee != nil {
		ep, _ = ee.Object.(*corev1.Endpoints)
	}
	key := route.Namespace + "/" + route.Service + "/" + sp.Name
	b, _ := s.balancers.LoadOrStore(key, new(routing.Balancer))
	client, _, _ := net.SplitHostPort(r.RemoteAddr)
	target := b.(*routing.Balancer).Pick(routing.Targets(ep, sp), client, routing.AffinityOf(svc), s.p.cfg.Now())
	if target == "" {
		http.Error(w, fmt.Sprintf("no endpoints available for service %q", route.Service), http.StatusServiceUnavailable)
		return
	}
	rp := &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host = "http", target
			pr.SetXForwarded()
			pr.Out.Host = r.Host
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			http.Error(w, "upstream: "+err.Error(), http.StatusBadGateway)
		},
	}
	rp.ServeHTTP(w, r)
}

func portText(p networkingv1.ServiceBackendPort) string {
	if p.Name != "" {
		return p.Name
	}
	return strconv.Itoa(int(p.Number))
}
