// Package workload holds what every workload decision of the replica
// controller shares: the change a decision returns, claiming objects by
// selector and controller reference (adopt and release, as Kubernetes'
// ClaimObjects), controller references, pods made from a template, and pod
// readiness and availability. Pure: plain objects in, no I/O.
package workload
