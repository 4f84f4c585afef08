// Package rollout holds the pure decisions of the replica controller:
// Deployment → ReplicaSets (pod-template-hash, revisions, rolling update and
// recreate, history cleanup, status and conditions) and ReplicaSet → Pods
// (create, delete by rank, adopt and release, status). Inputs are plain
// Kubernetes objects with the clock injected; the output is the list of
// changes to append. No NATS, no logging, no I/O.
package rollout
