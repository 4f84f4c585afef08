package job

import (
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
)

// conditions edits a Job's status conditions at one moment.
type conditions struct {
	list *[]batchv1.JobCondition
	now  time.Time
}

func (c conditions) get(t batchv1.JobConditionType) *batchv1.JobCondition {
	for i := range *c.list {
		if (*c.list)[i].Type == t {
			return &(*c.list)[i]
		}
	}
	return nil
}

// set records a condition; its times move only when its status changes.
func (c conditions) set(t batchv1.JobConditionType, status corev1.ConditionStatus, reason, message string) {
	now := workload.Stamp(c.now)
	if cur := c.get(t); cur != nil {
		if cur.Status != status {
			cur.LastTransitionTime, cur.LastProbeTime = now, now
		}
		cur.Status, cur.Reason, cur.Message = status, reason, message
		return
	}
	*c.list = append(*c.list, batchv1.JobCondition{Type: t, Status: status, Reason: reason, Message: message,
		LastProbeTime: now, LastTransitionTime: now})
}

// finished: the Job is Complete or Failed.
func (c conditions) finished() bool {
	return IsFinished(*c.list)
}

// IsFinished tells whether a Job with these conditions is Complete or
// Failed, as Kubernetes' IsJobFinished.
func IsFinished(conds []batchv1.JobCondition) bool {
	_, ok := FinishedCondition(conds)
	return ok
}

// FinishedCondition is the Job's terminal condition type, if it has one.
func FinishedCondition(conds []batchv1.JobCondition) (batchv1.JobConditionType, bool) {
	for _, c := range conds {
		if (c.Type == batchv1.JobComplete || c.Type == batchv1.JobFailed) && c.Status == corev1.ConditionTrue {
			return c.Type, true
		}
	}
	return "", false
}
