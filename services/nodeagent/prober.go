package nodeagent

import (
	"context"
	"crypto/tls"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jetplane/jetplane/services/nodeagent/podsync"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// prober runs the readiness and liveness probes of running containers, one
// goroutine per probe, and requeues the pod when a verdict changes.
type prober struct {
	changed func(key string)

	mu      sync.Mutex
	workers map[runtime.ContainerID]*probeWorker
}

type probeWorker struct {
	key    string
	cancel context.CancelFunc
	result podsync.ProbeResult
}

func newProber(changed func(string)) *prober {
	return &prober{changed: changed, workers: map[runtime.ContainerID]*probeWorker{}}
}

// sync starts probing the pod's running containers and forgets ended ones.
func (p *prober) sync(key, ip string, pod *corev1.Pod, cs []runtime.ContainerInfo) {
	for _, c := range cs {
		spec := containerOf(pod, c.Spec.Name)
		if c.State.Phase != runtime.Running || spec == nil || pod.DeletionTimestamp != nil {
			p.forget(c.ID)
			continue
		}
		if spec.ReadinessProbe == nil && spec.LivenessProbe == nil {
			continue
		}
		p.mu.Lock()
		if _, ok := p.workers[c.ID]; ok {
			p.mu.Unlock()
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		w := &probeWorker{key: key, cancel: cancel}
		p.workers[c.ID] = w
		p.mu.Unlock()
		if spec.ReadinessProbe != nil {
			go p.run(ctx, w, spec, spec.ReadinessProbe, ip, true)
		}
		if spec.LivenessProbe != nil {
			go p.run(ctx, w, spec, spec.LivenessProbe, ip, false)
		}
	}
}

// result is the current verdict for a container; false when not probed.
func (p *prober) result(id runtime.ContainerID) (podsync.ProbeResult, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w, ok := p.workers[id]
	if !ok {
		return podsync.ProbeResult{}, false
	}
	return w.result, true
}

func (p *prober) forget(id runtime.ContainerID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if w, ok := p.workers[id]; ok {
		w.cancel()
		delete(p.workers, id)
	}
}

func (p *prober) stopAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, w := range p.workers {
		w.cancel()
		delete(p.workers, id)
	}
}

// run probes every periodSeconds after initialDelaySeconds; readiness turns
// true after successThreshold successes and false after failureThreshold
// failures; liveness fails for good after failureThreshold failures.
func (p *prober) run(ctx context.Context, w *probeWorker, c *corev1.Container, pr *corev1.Probe, ip string, readiness bool) {
	period := seconds(pr.PeriodSeconds, 10)
	timeout := seconds(pr.TimeoutSeconds, 1)
	successes, failures := 0, 0
	successNeeded, failureNeeded := max(int(pr.SuccessThreshold), 1), max(int(pr.FailureThreshold), 1)
	if pr.FailureThreshold == 0 {
		failureNeeded = 3
	}
	timer := time.NewTimer(time.Duration(pr.InitialDelaySeconds) * time.Second)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		ok := probe(ctx, c, pr, ip, timeout)
		if ok {
			successes, failures = successes+1, 0
		} else {
			successes, failures = 0, failures+1
		}
		p.mu.Lock()
		before := w.result
		if readiness && ok && successes >= successNeeded {
			w.result.Ready = true
		}
		if readiness && !ok && failures >= failureNeeded {
			w.result.Ready = false
		}
		if !readiness && failures >= failureNeeded {
			w.result.LivenessFailed = true
		}
		changed := before != w.result
		p.mu.Unlock()
		if changed {
			p.changed(w.key)
		}
		if !readiness && w.result.LivenessFailed {
			return // the container is being restarted; a new attempt gets a new worker
		}
		timer.Reset(period)
	}
}

func seconds(v int32, def int) time.Duration {
	if v <= 0 {
		return time.Duration(def) * time.Second
	}
	return time.Duration(v) * time.Second
}

// probe runs one check: httpGet (2xx/3xx) or tcpSocket (connects). exec is
// not run yet and counts as a success.
func probe(ctx context.Context, c *corev1.Container, pr *corev1.Probe, ip string, timeout time.Duration) bool {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	switch {
	case pr.HTTPGet != nil:
		g := pr.HTTPGet
		port, err := resolvePort(g.Port, c)
		if err != nil {
			return false
		}
		host := g.Host
		if host == "" {
			host = ip
		}
		scheme := "http"
		if g.Scheme == corev1.URISchemeHTTPS {
			scheme = "https"
		}
		path := g.Path
		if !strings.HasPrefix(path, "/") {
			path = "/" + path
		}
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, fmt.Sprintf("%s://%s%s", scheme, net.JoinHostPort(host, strconv.Itoa(port)), path), nil)
		if err != nil {
			return false
		}
		req.Header.Set("User-Agent", "jetplane-probe/1")
		for _, h := range g.HTTPHeaders {
			req.Header.Set(h.Name, h.Value)
		}
		resp, err := probeClient.Do(req)
		if err != nil {
			return false
		}
		resp.Body.Close()
		return resp.StatusCode >= 200 && resp.StatusCode < 400
	case pr.TCPSocket != nil:
		port, err := resolvePort(pr.TCPSocket.Port, c)
		if err != nil {
			return false
		}
		host := pr.TCPSocket.Host
		if host == "" {
			host = ip
		}
		conn, err := (&net.Dialer{}).DialContext(ctx, "tcp", net.JoinHostPort(host, strconv.Itoa(port)))
		if err != nil {
			return false
		}
		conn.Close()
		return true
	}
	return true
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
