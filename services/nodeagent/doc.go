// Package nodeagent is the node agent's shell: it registers the Node,
// heartbeats through the leases KV bucket, and runs the pods bound to the
// node through a runtime.Runtime. A projection marks the keys of the node's
// pods dirty; each reconcile asks podsync (pure) what to do, starts and stops
// containers, and reports the pod status with CAS through controller.Writer.
// Probes (httpGet, tcpSocket) run in goroutines per container and requeue the
// pod when their verdict changes; container output goes to the LOGS stream.
package nodeagent
