package gateway

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httputil"
	"strconv"
	"strings"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// podProxy answers /api/v1/namespaces/{ns}/pods/{[scheme:]name[:port]}/proxy/{path}:
// the request goes to the pod's port (80 when none is named) through a
// port-forward session with its node agent; the gateway never dials a pod.
func (s *Server) podProxy(w http.ResponseWriter, r *http.Request, ns, nameAndPort string, rest []string) {
	scheme, name, port := splitProxyName(nameAndPort)
	s.catchUpLog(r.Context())
	e := s.proj.State().Live("pods", ns, name)
	if e == nil {
		writeError(w, apierrors.NewNotFound(corev1.Resource("pods"), name))
		return
	}
	pod := e.Object.(*corev1.Pod)
	p, err := podProxyPort(pod, port)
	if err != nil {
		writeError(w, err)
		return
	}
	if pod.Spec.NodeName == "" || pod.Status.Phase != corev1.PodRunning {
		writeError(w, apierrors.NewServiceUnavailable(fmt.Sprintf("pod %s is not running", name)))
		return
	}
	s.proxyTo(w, r, scheme, net.JoinHostPort(name, strconv.Itoa(int(p))), proxyPath(r, rest), s.podDialer(pod, userOf(r.Context())),
		"error trying to reach pod")
}

// podProxyPort is the port a pod proxy request names: a number, a
// container port's name, or 80.
func podProxyPort(pod *corev1.Pod, port string) (int32, error) {
	if port == "" {
		return 80, nil
	}
	if n, err := strconv.Atoi(port); err == nil && n > 0 && n < 65536 {
		return int32(n), nil
	}
	for _, c := range pod.Spec.Containers {
		for _, cp := range c.Ports {
			if cp.Name == port {
				return cp.ContainerPort, nil
			}
		}
	}
	return 0, apierrors.NewBadRequest(fmt.Sprintf("pod %s has no port named %q", pod.Name, port))
}

// proxyPath is the path a proxied request is sent on.
func proxyPath(r *http.Request, rest []string) string {
	path := "/" + strings.Join(rest, "/")
	if strings.HasSuffix(r.URL.Path, "/") && path != "/" {
		path += "/"
	}
	return path
}

// podDialer connects to a port of pod through a port-forward session.
func (s *Server) podDialer(pod *corev1.Pod, user string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, _, addr string) (net.Conn, error) {
		_, port, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		p, _ := strconv.Atoi(port)
		sess, err := s.log.OpenSession(ctx, pod.Spec.NodeName, events.SessionRequest{Kind: events.SessionPortForward,
			Namespace: pod.Namespace, Pod: pod.Name, PodUID: string(pod.UID), Port: int32(p), User: user})
		if err != nil {
			return nil, err
		}
		return sess.Conn(natslog.ChanData), nil
	}
}

// proxyTo sends the request to host (name:port, the Host header) on path
// over connections dial makes; failures are 503 with why.
func (s *Server) proxyTo(w http.ResponseWriter, r *http.Request, scheme, host, path string,
	dial func(context.Context, string, string) (net.Conn, error), failure string) {
	if scheme == "" {
		scheme = "http"
	}
	rp := &httputil.ReverseProxy{
		Transport: &http.Transport{DialContext: dial, DisableKeepAlives: true},
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.Out.URL.Scheme, pr.Out.URL.Host, pr.Out.URL.Path, pr.Out.URL.RawPath = scheme, host, path, ""
			pr.Out.Host = host
			pr.Out.Header.Del("Authorization") // the gateway's credentials are not the app's
			pr.SetXForwarded()
		},
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) {
			writeError(w, apierrors.NewServiceUnavailable(fmt.Sprintf("%s: %v", failure, err)))
		},
	}
	rp.ServeHTTP(w, r)
}
