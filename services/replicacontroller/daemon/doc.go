// Package daemon is the pure DaemonSet decision: one pod on every eligible
// node, as Kubernetes' DaemonSet controller does it. A node is eligible when
// the template's nodeSelector and required node affinity match it and it
// has no NoSchedule or NoExecute taint the pod does not tolerate; a node
// that is not Ready carries the implied not-ready NoSchedule taint, so it
// gets no new pod but keeps the one it has. Pods get the tolerations
// Kubernetes gives daemon pods (not-ready and unreachable NoExecute,
// pressure and unschedulable NoSchedule: a cordoned node still runs them)
// and a required node affinity on metadata.name pinning them to their node
// (Kubernetes 1.12+), so the scheduler binds them and checks room. Updates
// roll per node (RollingUpdate: maxUnavailable, or maxSurge pods beside the
// old ones) or wait for the user (OnDelete). Pods carry
// controller-revision-hash (the template's hash) and pod-template-generation.
// Plain objects and an injected clock in, the changes out; no I/O.
package daemon
