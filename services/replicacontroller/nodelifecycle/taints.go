package nodelifecycle

import (
	"fmt"
	"time"

	"github.com/go-logr/logr"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// conditionTaintKeys are the taint keys this package owns.
var conditionTaintKeys = []string{corev1.TaintNodeUnreachable, corev1.TaintNodeNotReady}

// wantedKey is the taint key the Ready status calls for ("" for none).
func wantedKey(ready corev1.ConditionStatus) string {
	switch ready {
	case corev1.ConditionTrue:
		return ""
	case corev1.ConditionFalse:
		return corev1.TaintNodeNotReady
	default:
		return corev1.TaintNodeUnreachable
	}
}

// reconcileTaints returns a copy of node whose unreachable/not-ready taints
// (NoSchedule and NoExecute) follow its Ready condition, and whether that
// changed anything. Taints that stay keep their timeAdded; other taints are
// untouched.
func reconcileTaints(node *corev1.Node, now time.Time) (*corev1.Node, bool) {
	want := wantedKey(readyStatus(node))
	var kept []corev1.Taint
	have := map[corev1.TaintEffect]bool{}
	changed := false
	for _, t := range node.Spec.Taints {
		owned := t.Key == conditionTaintKeys[0] || t.Key == conditionTaintKeys[1]
		if owned && (t.Key != want || (t.Effect != corev1.TaintEffectNoSchedule && t.Effect != corev1.TaintEffectNoExecute)) {
			changed = true
			continue
		}
		if owned {
			have[t.Effect] = true
		}
		kept = append(kept, t)
	}
	if want != "" {
		added := metav1.NewTime(now.UTC().Truncate(time.Second))
		for _, effect := range []corev1.TaintEffect{corev1.TaintEffectNoSchedule, corev1.TaintEffectNoExecute} {
			if have[effect] {
				continue
			}
			t := corev1.Taint{Key: want, Effect: effect}
			if effect == corev1.TaintEffectNoExecute {
				t.TimeAdded = &added
			}
			kept = append(kept, t)
			changed = true
		}
	}
	if !changed {
		return node, false
	}
	out := node.DeepCopy()
	out.Spec.Taints = kept
	return out, true
}

// evictionDue says when a pod must leave a node with these taints, and
// whether it must at all: the earliest deadline over the NoExecute taints.
func evictionDue(cfg Config, taints []corev1.Taint, tols []corev1.Toleration) (time.Time, bool) {
	var due time.Time
	must := false
	for i := range taints {
		t := &taints[i]
		if t.Effect != corev1.TaintEffectNoExecute {
			continue
		}
		added := time.Time{}
		if t.TimeAdded != nil {
			added = t.TimeAdded.Time
		}
		limit, ok := toleratedFor(cfg, t, tols)
		if !ok {
			continue // tolerated for ever
		}
		if d := added.Add(limit); !must || d.Before(due) {
			due, must = d, true
		}
	}
	return due, must
}

// toleratedFor is how long the tolerations let a pod stay under taint t:
// the least tolerationSeconds among those that match it (negative counts
// as zero); false when one matches with no limit. With none matching, a
// condition taint gets the eviction timeout, any other taint zero.
func toleratedFor(cfg Config, t *corev1.Taint, tols []corev1.Toleration) (time.Duration, bool) {
	matched := false
	var least time.Duration
	for i := range tols {
		// Gt/Lt comparisons are an alpha feature of Kubernetes; off, as there.
		if !tols[i].ToleratesTaint(logr.Discard(), t, false) {
			continue
		}
		if tols[i].TolerationSeconds == nil {
			return 0, false
		}
		d := time.Duration(max(*tols[i].TolerationSeconds, 0)) * time.Second
		if !matched || d < least {
			least, matched = d, true
		}
	}
	if matched {
		return least, true
	}
	if t.Key == corev1.TaintNodeUnreachable || t.Key == corev1.TaintNodeNotReady {
		return cfg.EvictionTimeout, true
	}
	return 0, true
}

// evicted is the copy of p to delete; from an unreachable node it carries
// Kubernetes' NodeLost reason.
func evicted(p *corev1.Pod, node string, ready corev1.ConditionStatus) *corev1.Pod {
	out := p.DeepCopy()
	if ready == corev1.ConditionUnknown {
		out.Status.Reason = ReasonNodeLost
		out.Status.Message = fmt.Sprintf(messageNodeLostFmt, node, p.Name)
	}
	return out
}
