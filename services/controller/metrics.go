package controller

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"
)

// Metrics of every service's loops, labelled by service, on the default
// registry. Registered once per process however many services it runs
// (jetplane up, tests): the queues of one service share its series.
var (
	queueDepth = prometheus.NewGaugeVec(prometheus.GaugeOpts{
		Namespace: "jetplane", Subsystem: "controller", Name: "queue_depth",
		Help: "Keys ready in the service's work queues.",
	}, []string{"service"})
	reconcileSeconds = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Namespace: "jetplane", Subsystem: "controller", Name: "reconcile_duration_seconds",
		Help:    "How long one reconcile of a key took.",
		Buckets: prometheus.ExponentialBuckets(0.0005, 4, 10), // 0.5ms … ~131s
	}, []string{"service"})
	reconcileErrors = prometheus.NewCounterVec(prometheus.CounterOpts{
		Namespace: "jetplane", Subsystem: "controller", Name: "reconcile_errors_total",
		Help: "Reconciles that returned an error (conflicts included).",
	}, []string{"service"})
)

func init() {
	prometheus.MustRegister(queueDepth, reconcileSeconds, reconcileErrors)
}

// ObserveReconcile records one reconcile (or batch decision) of service.
func ObserveReconcile(service string, took time.Duration, err error) {
	reconcileSeconds.WithLabelValues(service).Observe(took.Seconds())
	if err != nil {
		reconcileErrors.WithLabelValues(service).Inc()
	}
}
