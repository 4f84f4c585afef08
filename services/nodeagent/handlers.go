package nodeagent

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// Errors of probes and hooks; match them with errors.Is.
var (
	ErrProbeFailed        = errors.New("probe failed")
	ErrUnsupportedHandler = errors.New("handler not supported by this node agent")
)

// target is one running container that probes and hooks act on: exec runs
// inside it through the runtime, httpGet and tcpSocket reach its pod IP.
type target struct {
	rt        runtime.Runtime
	id        runtime.ContainerID
	ip        string
	container *corev1.Container
}

// probe runs one check within timeout; nil is a success.
func (t target) probe(ctx context.Context, pr *corev1.Probe, timeout time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case pr.Exec != nil:
		return t.exec(ctx, pr.Exec.Command)
	case pr.HTTPGet != nil:
		return t.httpGet(ctx, pr.HTTPGet)
	case pr.TCPSocket != nil:
		return t.tcpSocket(ctx, pr.TCPSocket)
	case pr.GRPC != nil:
		return fmt.Errorf("grpc probe: %w", ErrUnsupportedHandler)
	}
	return fmt.Errorf("probe without a handler: %w", ErrUnsupportedHandler)
}

// hook runs a lifecycle handler (preStop) until it ends or ctx does.
func (t target) hook(ctx context.Context, h *corev1.LifecycleHandler) error {
	switch {
	case h.Exec != nil:
		return t.exec(ctx, h.Exec.Command)
	case h.HTTPGet != nil:
		return t.httpGet(ctx, h.HTTPGet)
	case h.Sleep != nil:
		timer := time.NewTimer(time.Duration(h.Sleep.Seconds) * time.Second)
		defer timer.Stop()
		select {
		case <-timer.C:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	case h.TCPSocket != nil:
		return fmt.Errorf("tcpSocket hook: %w", ErrUnsupportedHandler) // deprecated, and never run by the kubelet
	}
	return fmt.Errorf("hook without a handler: %w", ErrUnsupportedHandler)
}

// exec succeeds when the command exits 0.
func (t target) exec(ctx context.Context, cmd []string) error {
	res, err := t.rt.Exec(ctx, t.id, cmd)
	if err != nil {
		return fmt.Errorf("exec %q: %w", cmd, err)
	}
	if res.ExitCode != 0 {
		return fmt.Errorf("exec %q: exit code %d: %s: %w", cmd, res.ExitCode, strings.TrimSpace(string(res.Output)), ErrProbeFailed)
	}
	return nil
}

// httpGet succeeds on a 2xx or 3xx answer.
func (t target) httpGet(ctx context.Context, g *corev1.HTTPGetAction) error {
	addr, err := t.address(g.Host, g.Port)
	if err != nil {
		return err
	}
	scheme := "http"
	if g.Scheme == corev1.URISchemeHTTPS {
		scheme = "https"
	}
	path := g.Path
	if !strings.HasPrefix(path, "/") {
		path = "/" + path
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s://%s%s", scheme, addr, path), nil)
	if err != nil {
		return err
	}
	req.Header.Set("User-Agent", "kube-probe/1.32")
	req.Header.Set("Accept", "*/*")
	for _, h := range g.HTTPHeaders {
		req.Header.Set(h.Name, h.Value)
	}
	resp, err := probeClient.Do(req)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode < 200 || resp.StatusCode >= 400 {
		return fmt.Errorf("GET %s: HTTP %d: %w", req.URL, resp.StatusCode, ErrProbeFailed)
	}
	return nil
}

// tcpSocket succeeds when a connection opens.
func (t target) tcpSocket(ctx context.Context, a *corev1.TCPSocketAction) error {
	addr, err := t.address(a.Host, a.Port)
	if err != nil {
		return err
	}
	conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	return conn.Close()
}

// address is host:port of a handler: the pod IP unless host is set, the
// port by number or by the container port's name.
func (t target) address(host string, p intstr.IntOrString) (string, error) {
	port, err := resolvePort(p, t.container)
	if err != nil {
		return "", err
	}
	if host == "" {
		host = t.ip
	}
	return net.JoinHostPort(host, strconv.Itoa(port)), nil
}

// probeClient does not follow redirects (a 3xx is a success) nor keep
// connections (each probe is a fresh check), and skips TLS verification as
// the kubelet does.
var probeClient = &http.Client{
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	Transport: &http.Transport{DisableKeepAlives: true,
		TLSClientConfig: &tls.Config{InsecureSkipVerify: true}}, //nolint:gosec // probes, as the kubelet's
}

// resolvePort turns a number or a named container port into a number.
func resolvePort(p intstr.IntOrString, c *corev1.Container) (int, error) {
	if p.Type == intstr.Int {
		return p.IntValue(), nil
	}
	for _, cp := range c.Ports {
		if cp.Name == p.StrVal {
			return int(cp.ContainerPort), nil
		}
	}
	if n, err := strconv.Atoi(p.StrVal); err == nil {
		return n, nil
	}
	return 0, fmt.Errorf("container %s has no port named %q", c.Name, p.StrVal)
}
