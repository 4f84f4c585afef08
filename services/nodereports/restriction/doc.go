// Package restriction is Kubernetes' NodeRestriction for node reports: what
// a node agent may change, decided from the report and the stored object
// alone. A node writes its own Node (not its taints, nor labels under
// node-restriction.kubernetes.io/) and the status of the pods bound to it,
// and finishes the deletion of its pods that are being deleted; nothing
// else. Pure: no NATS, no clock.
package restriction
