// Package placement is the scheduler's pure decision: given a pending pod and
// the nodes with the pods already bound to them, it chooses a node or explains,
// in Kubernetes' words, why none fits. It also builds the pod objects the
// scheduler appends (bound, or marked unschedulable). No I/O, no logging; the
// clock is passed in.
//
// Filters, in Kubernetes' plugin order (a node reports the first failing one):
// spec.unschedulable, untolerated NoSchedule/NoExecute taints (a node whose
// Ready condition is not True counts as tainted node.kubernetes.io/not-ready),
// nodeSelector, then resources (pod count, cpu, memory; all shortfalls are
// reported). Scores: least allocated first, then fewest pods of the same
// controller on the node, then the node name, so decisions are deterministic.
package placement
