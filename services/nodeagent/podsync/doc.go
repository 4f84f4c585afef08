// Package podsync is the node agent's pure decision: given one pod bound to
// the node as the log stores it, the containers the runtime holds for it,
// the probe verdicts, failed starts and the clock, it decides which
// containers to start (restartPolicy with exponential back-off) or stop
// (terminating pod, failed liveness), whether a terminating pod can now be
// deleted, and the pod status to report — only when it differs from the
// stored one, so that a steady node writes nothing.
//
// It imports no NATS, no runtime and no logging: plain structs in, the
// changes out.
package podsync
