// Package nodeagent is the node agent's shell, a kubelet for Jetplane: it
// registers the Node (capacity and allocatable from the machine or Config,
// the standard kubernetes.io/hostname, os and arch labels beside the
// configured ones; spec is left to users), heartbeats through the leases KV
// bucket, and runs the pods bound to the node through a runtime.Runtime.
//
// A projection marks the keys of the node's pods dirty; each reconcile
// claims the runtime's containers of the pod name (podsync.Claim: a
// restarted agent adopts those of pods still bound to it, and stops those
// of pods deleted, bound elsewhere or replaced), asks podsync (pure) what to
// do, starts and stops containers (preStop hook, SIGTERM, grace period,
// SIGKILL), and reports the pod status with CAS through controller.Writer —
// appending a terminating pod's deleted event once its containers ended.
// The agent remembers restart back-offs and probe kills in memory, as the
// kubelet does.
//
// Startup, liveness and readiness probes (exec through Runtime.Exec,
// httpGet, tcpSocket) run in goroutines per container attempt and requeue
// the pod when a verdict changes; container output goes to the LOGS stream.
// When it ends, the agent stops its containers unless KeepContainers.
//
// RunFleet runs many agents (the hollow nodes of a load test) in one OS
// process over one projection, one NATS connection and at most one log
// shipper: the projection's one listener routes each pod change by its
// node (before and after) to that node's agent, and keeps the index of pod
// addresses that address allocation asks. Run is a fleet of one. Nodes
// register 64 at a time. A pod whose last decision was to do nothing, and
// whose input (pod, containers, probe verdicts, back-offs) has not changed
// since, skips podsync at its once-a-second resync (podsync.Decision.Idle).
package nodeagent
