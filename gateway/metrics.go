package gateway

import (
	"bufio"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/sirupsen/logrus"
)

// metrics counts requests the way kube-apiserver names them, in a registry of
// the server's own so that several gateways can live in one process (tests).
type metrics struct {
	registry *prometheus.Registry
	requests *prometheus.CounterVec
	latency  *prometheus.HistogramVec
}

func newMetrics() *metrics {
	m := &metrics{
		registry: prometheus.NewRegistry(),
		requests: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "apiserver_request_total",
			Help: "Requests to the Jetplane gateway by verb, resource and HTTP code.",
		}, []string{"verb", "resource", "code"}),
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name:    "apiserver_request_duration_seconds",
			Help:    "Latency of Jetplane gateway requests by verb and resource (watches last their whole stream).",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 60},
		}, []string{"verb", "resource"}),
	}
	m.registry.MustRegister(m.requests, m.latency)
	return m
}

// handler serves this gateway's request metrics and the process's default
// registry: the Go and process collectors, and the services' loop metrics
// (services/controller) when they run in this process (jetplane up).
func (m *metrics) handler() http.Handler {
	return promhttp.HandlerFor(prometheus.Gatherers{m.registry, prometheus.DefaultGatherer}, promhttp.HandlerOpts{})
}

// recorder remembers the status code written, for the request metrics.
type recorder struct {
	http.ResponseWriter
	m        *metrics
	verb     string
	resource string
	code     int
	began    time.Time
}

func (m *metrics) start(w http.ResponseWriter, verb, resource string) *recorder {
	return &recorder{ResponseWriter: w, m: m, verb: verb, resource: resource, code: http.StatusOK, began: time.Now()}
}

func (r *recorder) WriteHeader(code int) {
	r.code = code
	r.ResponseWriter.WriteHeader(code)
}

// Flush lets watch streams reach the client through the recorder.
func (r *recorder) Flush() {
	if f, ok := r.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}

// Hijack hands the connection to a stream upgrade (kubectl exec's SPDY or
// WebSocket), which asserts http.Hijacker on the writer it is given.
func (r *recorder) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	r.code = http.StatusSwitchingProtocols
	return http.NewResponseController(r.ResponseWriter).Hijack()
}

// Unwrap gives http.ResponseController the underlying writer.
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func (r *recorder) done() {
	logrus.WithFields(logrus.Fields{"service": "gateway", "verb": r.verb, "resource": r.resource,
		"code": r.code, "duration": time.Since(r.began)}).Debug("request")
	r.m.requests.WithLabelValues(r.verb, r.resource, strconv.Itoa(r.code)).Inc()
	r.m.latency.WithLabelValues(r.verb, r.resource).Observe(time.Since(r.began).Seconds())
}
