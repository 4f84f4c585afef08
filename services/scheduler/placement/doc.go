// Package placement is the scheduler's pure decision: given a pending pod and
// the nodes with what the pods bound to them hold (NodeInfo, kept up to date
// incrementally by the shell), it chooses a node or explains, in
// kube-scheduler's words, why none fits. It also builds the pod objects the
// scheduler appends (bound, or marked unschedulable). No I/O, no logging; the
// clock is passed in.
//
// Filters, in kube-scheduler's default order (the first failing one speaks
// for a node): spec.unschedulable (cordon), NoSchedule/NoExecute taints not
// tolerated (a node whose Ready condition is not True carries the implied
// not-ready or unreachable taint), nodeSelector and required node affinity,
// host ports, then resources (pod count, cpu, memory; every shortfall is
// reported) against allocatable minus what bound, unfinished pods request.
//
// Scores, weighted as in kube-scheduler's default profile: least allocated
// (1), spreading the pods of one controller (2), untolerated PreferNoSchedule
// taints (3), preferred node affinity (2). Equal totals go to the first node
// name, so decisions are reproducible.
package placement
