package rollout

import (
	corev1 "k8s.io/api/core/v1"
)

// recreate is one step of the Recreate strategy: every old ReplicaSet goes
// to zero, and only once none of their pods runs any more (terminating
// ones included) does the new ReplicaSet get its replicas.
func (p *deploymentPlan) recreate() {
	scaled := false
	for _, s := range p.old {
		if s.replicas() > 0 {
			p.scale(s, 0)
			scaled = true
		}
	}
	if scaled || p.oldPodsRunning() {
		return
	}
	if p.newRS == nil {
		p.createNewRS(p.replicas)
		return
	}
	p.scale(p.newRS, p.replicas)
}

// oldPodsRunning: an old ReplicaSet still counts pods, or a pod of the
// Deployment outside the new ReplicaSet is not finished (a terminating pod
// still runs until its node stops it).
func (p *deploymentPlan) oldPodsRunning() bool {
	for _, s := range p.old {
		if s.rs.Status.Replicas > 0 {
			return true
		}
	}
	for _, pod := range p.in.Pods {
		if p.newRS != nil && p.newRS.orig != nil && ControllerUID(pod) == p.newRS.rs.UID {
			continue
		}
		switch pod.Status.Phase {
		case corev1.PodSucceeded, corev1.PodFailed:
		default:
			return true
		}
	}
	return false
}
