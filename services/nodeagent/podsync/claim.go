package podsync

import corev1 "k8s.io/api/core/v1"

// Claim sorts the runtime's containers of one pod name: those of the pod
// bound to node (same UID) are the pod's; the others — of a pod deleted,
// bound to another node, or an older pod of the same name — are orphans to
// stop and remove. pod is nil when the log has no such pod.
func Claim(pod *corev1.Pod, node string, cs []Container) (mine, orphans []Container) {
	for _, c := range cs {
		if pod != nil && pod.Spec.NodeName == node && c.PodUID == string(pod.UID) {
			mine = append(mine, c)
		} else {
			orphans = append(orphans, c)
		}
	}
	return mine, orphans
}
