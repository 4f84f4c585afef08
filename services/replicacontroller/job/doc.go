// Package job is the pure Job decision, as Kubernetes' Job controller makes
// it for non-indexed Jobs: keep up to parallelism pods running until
// completions pods have succeeded (or, without completions, until one has
// and the rest have ended), replacing failed pods after an exponential
// back-off (10s doubling, at most 6 minutes) until backoffLimit failures
// (for restartPolicy OnFailure: container restarts) or activeDeadlineSeconds
// fail the Job. Terminal conditions come in two steps, as in Kubernetes
// 1.31+: SuccessCriteriaMet or FailureTarget at once, while the remaining
// pods are deleted, then Complete or Failed once none is left. spec.suspend
// deletes the active pods and sets Suspended. Counts are of the Job's pods
// that still exist (no tracking finalizers). Plain objects and an injected
// clock in, the changes out; no I/O.
package job
