// Package nodelifecycle is the replica controller's pure decision about
// nodes that stop answering, after Kubernetes' node lifecycle controller and
// its taint-based eviction: given a node, when its heartbeat was last seen,
// the pods bound to it and the time, it returns the changes to make.
//
//   - A heartbeat older than the grace period (node-monitor-grace-period,
//     40s by default) turns the node's conditions Unknown, reason
//     NodeStatusUnknown, "Kubelet stopped posting node status.".
//   - The Ready condition drives the node's taints: Unknown adds
//     node.kubernetes.io/unreachable, False node.kubernetes.io/not-ready, each
//     NoSchedule and NoExecute; True removes them. The agent, not this
//     package, reports Ready again when it comes back.
//   - Pods of a node that is not Ready get their Ready condition False.
//   - Pods that do not tolerate a NoExecute taint are evicted (deleted
//     gracefully): at once for a taint they do not tolerate, after the least
//     tolerationSeconds of the tolerations that match, never when one matches
//     without a limit. For the unreachable and not-ready taints a pod without a
//     matching toleration gets the eviction timeout (300s by default), as
//     Kubernetes' DefaultTolerationSeconds admission would have given it.
//     Times count from the taint's timeAdded.
package nodelifecycle
