package quota

import (
	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
)

// Stored lists the live objects of one resource in one namespace: the
// caller's projection, as a quota's counts are read from it.
type Stored func(resource, namespace string) []events.Object

// Counted are the objects of q's namespace its hard list tracks, except
// the one of resource exceptRes named exceptName: the object being
// admitted is charged by its admission. The gateway and the controllers
// that create pods count through this one function.
func Counted(q *corev1.ResourceQuota, stored Stored, exceptRes, exceptName string) []Object {
	var out []Object
	for _, gr := range Tracked(q.Spec.Hard) {
		res, ok := events.Lookup(gr.Resource)
		if !ok || res.Group != gr.Group || res.Derived {
			continue // not stored here: nothing to count
		}
		for _, o := range stored(res.Name, q.Namespace) {
			if res.Name == exceptRes && o.GetName() == exceptName {
				continue
			}
			out = append(out, Object{Resource: res.GroupResource(), Object: o})
		}
	}
	return out
}

// Quotas of a namespace, as the admissions take them.
func Quotas(stored Stored, namespace string) []*corev1.ResourceQuota {
	return storedOf[*corev1.ResourceQuota](stored, "resourcequotas", namespace)
}

// LimitRanges of a namespace.
func LimitRanges(stored Stored, namespace string) []*corev1.LimitRange {
	return storedOf[*corev1.LimitRange](stored, "limitranges", namespace)
}

func storedOf[T events.Object](stored Stored, resource, namespace string) []T {
	var out []T
	for _, o := range stored(resource, namespace) {
		if t, ok := o.(T); ok {
			out = append(out, t)
		}
	}
	return out
}
