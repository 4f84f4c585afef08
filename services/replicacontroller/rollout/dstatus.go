package rollout

import (
	"fmt"
	"math"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
)

// Condition reasons Kubernetes uses on Deployments.
const (
	ReasonMinimumReplicasAvailable   = "MinimumReplicasAvailable"
	ReasonMinimumReplicasUnavailable = "MinimumReplicasUnavailable"
	ReasonNewReplicaSetCreated       = "NewReplicaSetCreated"
	ReasonFoundNewReplicaSet         = "FoundNewReplicaSet"
	ReasonDeploymentPaused           = "DeploymentPaused"
	ReasonDeploymentResumed          = "DeploymentResumed"
	ReasonReplicaSetUpdated          = "ReplicaSetUpdated"
	ReasonNewReplicaSetAvailable     = "NewReplicaSetAvailable"
	ReasonProgressDeadlineExceeded   = "ProgressDeadlineExceeded"
)

// status computes the Deployment's status from its ReplicaSets as decided,
// and when to look again for the progress deadline.
func (p *deploymentPlan) status() (appsv1.DeploymentStatus, time.Duration) {
	d, now := p.d, p.in.Now
	st := appsv1.DeploymentStatus{
		ObservedGeneration: d.Generation,
		CollisionCount:     d.Status.CollisionCount,
	}
	for _, c := range d.Status.Conditions {
		st.Conditions = append(st.Conditions, *c.DeepCopy())
	}
	if p.collision {
		n := int32(1)
		if d.Status.CollisionCount != nil {
			n = *d.Status.CollisionCount + 1
		}
		st.CollisionCount = &n
	}
	var desired int32
	for _, s := range p.active() {
		st.Replicas += s.rs.Status.Replicas
		st.ReadyReplicas += s.rs.Status.ReadyReplicas
		st.AvailableReplicas += s.rs.Status.AvailableReplicas
		desired += s.replicas()
	}
	if p.newRS != nil {
		st.UpdatedReplicas = p.newRS.rs.Status.Replicas
	}
	st.UnavailableReplicas = max(0, desired-st.AvailableReplicas)

	if st.AvailableReplicas >= p.replicas-p.maxUnavail {
		setCondition(&st, condition(appsv1.DeploymentAvailable, corev1.ConditionTrue,
			ReasonMinimumReplicasAvailable, "Deployment has minimum availability.", now))
	} else {
		setCondition(&st, condition(appsv1.DeploymentAvailable, corev1.ConditionFalse,
			ReasonMinimumReplicasUnavailable, "Deployment does not have minimum availability.", now))
	}
	if progressDeadline(d) == 0 {
		removeCondition(&st, appsv1.DeploymentProgressing)
		return st, 0
	}
	p.pausedCondition(&st)
	cur := getCondition(&st, appsv1.DeploymentProgressing)
	switch {
	case p.created:
		setCondition(&st, condition(appsv1.DeploymentProgressing, corev1.ConditionTrue,
			ReasonNewReplicaSetCreated, fmt.Sprintf("Created new replica set %q", p.newRS.rs.Name), now))
	case p.newRS != nil && cur == nil:
		// Progress was not tracked before: count from now.
		setCondition(&st, condition(appsv1.DeploymentProgressing, corev1.ConditionTrue,
			ReasonFoundNewReplicaSet, fmt.Sprintf("Found new replica set %q", p.newRS.rs.Name), now))
	}
	if !p.estimate {
		return st, 0 // paused or scaling: no rollout step to judge
	}
	return st, p.progress(&st)
}

// pausedCondition tells a pause or a resume in the Progressing condition
// (status Unknown), unless the rollout already timed out.
func (p *deploymentPlan) pausedCondition(st *appsv1.DeploymentStatus) {
	cur := getCondition(st, appsv1.DeploymentProgressing)
	if cur != nil && cur.Reason == ReasonProgressDeadlineExceeded {
		return
	}
	wasPaused := cur != nil && cur.Reason == ReasonDeploymentPaused
	switch {
	case p.d.Spec.Paused && !wasPaused:
		setCondition(st, condition(appsv1.DeploymentProgressing, corev1.ConditionUnknown,
			ReasonDeploymentPaused, "Deployment is paused", p.in.Now))
	case !p.d.Spec.Paused && wasPaused:
		setCondition(st, condition(appsv1.DeploymentProgressing, corev1.ConditionUnknown,
			ReasonDeploymentResumed, "Deployment is resumed", p.in.Now))
	}
}

// progress sets the Progressing condition as Kubernetes' rollout status does.
func (p *deploymentPlan) progress(st *appsv1.DeploymentStatus) time.Duration {
	d, now := p.d, p.in.Now
	deadline := progressDeadline(d)
	subject := fmt.Sprintf("Deployment %q", d.Name)
	if p.newRS != nil {
		subject = fmt.Sprintf("ReplicaSet %q", p.newRS.rs.Name)
	}
	cur := getCondition(st, appsv1.DeploymentProgressing)
	if st.Replicas == st.UpdatedReplicas && cur != nil && cur.Reason == ReasonNewReplicaSetAvailable {
		return 0 // this rollout is over: nothing to estimate
	}
	switch {
	case complete(p.replicas, d, st):
		setCondition(st, condition(appsv1.DeploymentProgressing, corev1.ConditionTrue,
			ReasonNewReplicaSetAvailable, subject+" has successfully progressed.", now))
		return 0
	case progressed(&d.Status, st):
		c := condition(appsv1.DeploymentProgressing, corev1.ConditionTrue, ReasonReplicaSetUpdated, subject+" is progressing.", now)
		if cur != nil && cur.Status == corev1.ConditionTrue {
			c.LastTransitionTime = cur.LastTransitionTime
		}
		// Progress refreshes lastUpdateTime: the deadline counts from it.
		removeCondition(st, appsv1.DeploymentProgressing)
		setCondition(st, c)
		return deadline
	}
	// A finished rollout cannot time out; a timed-out one stays so.
	if cur == nil || cur.Reason == ReasonNewReplicaSetAvailable || cur.Reason == ReasonProgressDeadlineExceeded {
		return 0
	}
	left := cur.LastUpdateTime.Add(deadline).Sub(now)
	if left < 0 {
		setCondition(st, condition(appsv1.DeploymentProgressing, corev1.ConditionFalse,
			ReasonProgressDeadlineExceeded, subject+" has timed out progressing.", now))
		return 0
	}
	return left + time.Second
}

// progressDeadline is progressDeadlineSeconds (default 600s); 0 when unset
// to MaxInt32, which Kubernetes reads as "no deadline".
func progressDeadline(d *appsv1.Deployment) time.Duration {
	if d.Spec.ProgressDeadlineSeconds == nil {
		return 600 * time.Second
	}
	if *d.Spec.ProgressDeadlineSeconds == math.MaxInt32 {
		return 0
	}
	return time.Duration(*d.Spec.ProgressDeadlineSeconds) * time.Second
}

// complete: every replica is updated and available for the current generation.
func complete(replicas int32, d *appsv1.Deployment, st *appsv1.DeploymentStatus) bool {
	return st.UpdatedReplicas == replicas && st.Replicas == replicas &&
		st.AvailableReplicas == replicas && st.ObservedGeneration >= d.Generation
}

// progressed: more updated, ready or available pods, or fewer old ones.
func progressed(old, cur *appsv1.DeploymentStatus) bool {
	return cur.UpdatedReplicas > old.UpdatedReplicas ||
		cur.Replicas-cur.UpdatedReplicas < old.Replicas-old.UpdatedReplicas ||
		cur.ReadyReplicas > old.ReadyReplicas ||
		cur.AvailableReplicas > old.AvailableReplicas
}

func condition(t appsv1.DeploymentConditionType, s corev1.ConditionStatus, reason, msg string, now time.Time) appsv1.DeploymentCondition {
	ts := stamp(now)
	return appsv1.DeploymentCondition{Type: t, Status: s, Reason: reason, Message: msg,
		LastUpdateTime: ts, LastTransitionTime: ts}
}

func getCondition(st *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) *appsv1.DeploymentCondition {
	for i := range st.Conditions {
		if st.Conditions[i].Type == t {
			return &st.Conditions[i]
		}
	}
	return nil
}

// setCondition changes nothing when status and reason are the same (so
// lastUpdateTime only moves on a real change), and keeps the transition time
// when only the reason changes.
func setCondition(st *appsv1.DeploymentStatus, c appsv1.DeploymentCondition) {
	cur := getCondition(st, c.Type)
	if cur == nil {
		st.Conditions = append(st.Conditions, c)
		return
	}
	if cur.Status == c.Status && cur.Reason == c.Reason {
		return
	}
	if cur.Status == c.Status {
		c.LastTransitionTime = cur.LastTransitionTime
	}
	*cur = c
}

func removeCondition(st *appsv1.DeploymentStatus, t appsv1.DeploymentConditionType) {
	var out []appsv1.DeploymentCondition
	for _, c := range st.Conditions {
		if c.Type != t {
			out = append(out, c)
		}
	}
	st.Conditions = out
}
