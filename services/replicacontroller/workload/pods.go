package workload

import (
	"maps"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/rand"
)

// maxGeneratedNameLength leaves room for the five random characters within
// the 63 characters of a label-safe name, as Kubernetes does.
const maxGeneratedNameLength = 63 - 5

// PodBase is the generateName of a controller's pods: "<controller>-", cut
// to leave room for the random suffix.
func PodBase(controller string) string {
	base := controller + "-"
	if len(base) > maxGeneratedNameLength {
		base = base[:maxGeneratedNameLength]
	}
	return base
}

// Namer hands out pod names unique among themselves and existing pods.
type Namer struct {
	gen  func(base string) string
	used map[string]bool
}

// NewNamer names pods with gen ("<base>" plus five random characters when
// nil, as generateName does), avoiding the names of existing.
func NewNamer(gen func(base string) string, existing []*corev1.Pod) *Namer {
	if gen == nil {
		gen = func(base string) string { return base + rand.String(5) }
	}
	n := &Namer{gen: gen, used: map[string]bool{}}
	for _, p := range existing {
		n.used[p.Name] = true
	}
	return n
}

// Next is a new unused name from base.
func (n *Namer) Next(base string) string {
	for {
		nm := n.gen(base)
		if !n.used[nm] {
			n.used[nm] = true
			return nm
		}
	}
}

// NewPod makes a Pending pod of a template in namespace, controlled by ref:
// the template's labels, annotations, finalizers and spec, as Kubernetes'
// GetPodFromTemplate does.
func NewPod(tmpl *corev1.PodTemplateSpec, namespace, name, base string, ref metav1.OwnerReference) *corev1.Pod {
	return &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			GenerateName:    base,
			Namespace:       namespace,
			Labels:          maps.Clone(tmpl.Labels),
			Annotations:     maps.Clone(tmpl.Annotations),
			Finalizers:      append([]string(nil), tmpl.Finalizers...),
			OwnerReferences: []metav1.OwnerReference{ref},
		},
		Spec:   *tmpl.Spec.DeepCopy(),
		Status: corev1.PodStatus{Phase: corev1.PodPending},
	}
}

// IsActive: a pod that is neither terminating nor finished counts toward
// its controller's replicas.
func IsActive(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && !IsFinished(p)
}

// IsFinished: the pod's phase is Succeeded or Failed.
func IsFinished(p *corev1.Pod) bool {
	return p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed
}

// ReadyCondition is the pod's Ready condition, nil when it has none.
func ReadyCondition(p *corev1.Pod) *corev1.PodCondition {
	for i := range p.Status.Conditions {
		if p.Status.Conditions[i].Type == corev1.PodReady {
			return &p.Status.Conditions[i]
		}
	}
	return nil
}

// IsReady: the pod's Ready condition is True.
func IsReady(p *corev1.Pod) bool {
	c := ReadyCondition(p)
	return c != nil && c.Status == corev1.ConditionTrue
}

// AvailableIn is how long until a ready pod counts as available; <= 0: now.
func AvailableIn(ready *corev1.PodCondition, minReady time.Duration, now time.Time) time.Duration {
	if minReady == 0 {
		return 0
	}
	if ready.LastTransitionTime.IsZero() {
		return minReady // unknown since when: wait a full period
	}
	// Available once strictly more than minReady has passed, as Kubernetes.
	left := ready.LastTransitionTime.Add(minReady).Sub(now)
	if left >= 0 {
		return left + time.Millisecond
	}
	return 0
}

// Availability says whether a pod is ready and available after minReady,
// and, when it is ready but not yet available, how long until it is.
func Availability(p *corev1.Pod, minReady time.Duration, now time.Time) (ready, available bool, wait time.Duration) {
	c := ReadyCondition(p)
	if c == nil || c.Status != corev1.ConditionTrue {
		return false, false, 0
	}
	if left := AvailableIn(c, minReady, now); left > 0 {
		return true, false, left
	}
	return true, true, 0
}
