// Package podsync is the node agent's pure decision: given one pod bound to
// the node as the log stores it, the containers the runtime holds for it,
// the probe verdicts, failed starts, remembered back-offs and the clock, it
// decides which containers to start (restartPolicy Always/OnFailure/Never
// with exponential back-off: 10s doubling to 5m, reset after 10 minutes of
// running) or stop (terminating pod within its grace period, failed
// liveness or startup probe), whether a terminating pod can now be
// deleted, and the pod status to report — only when it differs from the
// stored one, so that a steady node writes nothing.
//
// It also holds the probe rules the prober applies (Kubernetes' defaults,
// thresholds, initial delay from the container's start, the verdicts of an
// adopted container) and Claim, which sorts a restarted agent's containers
// into the pod's and orphans.
//
// It imports no NATS, no runtime and no logging: plain structs in, the
// changes out.
package podsync
