package daemon

import (
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
)

// budgets are maxSurge and maxUnavailable scaled to desired nodes (rounded
// up, as Kubernetes does); OnDelete has none. A configuration allowing
// neither falls back to one unavailable pod, as Kubernetes does.
func budgets(ds *appsv1.DaemonSet, desired int) (surge, unavailable int) {
	s := ds.Spec.UpdateStrategy
	if s.Type == appsv1.OnDeleteDaemonSetStrategyType {
		return 0, 0
	}
	unavailable = 1
	if ru := s.RollingUpdate; ru != nil {
		surge = scaled(ru.MaxSurge, desired)
		unavailable = scaled(ru.MaxUnavailable, desired)
	}
	if desired > 0 && surge == 0 && unavailable == 0 {
		unavailable = 1
	}
	return surge, unavailable
}

func scaled(v *intstr.IntOrString, total int) int {
	if v == nil {
		return 0
	}
	n, err := intstr.GetScaledValueFromIntOrPercent(v, total, true)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

// desired is the number of nodes that should run a daemon pod.
func (d *decision) desired() int {
	n := 0
	for _, ns := range d.nodes {
		if ns.run {
			n++
		}
	}
	return n
}

// podsOnNode splits a node's pods into its one updated and its one old pod;
// ok is false when it has more than one of either (manage sorts that out).
func (d *decision) podsOnNode(pods []*corev1.Pod) (updated, old *corev1.Pod, ok bool) {
	for _, p := range pods {
		if d.isUpdated(p) {
			if updated != nil {
				return nil, nil, false
			}
			updated = p
		} else {
			if old != nil {
				return nil, nil, false
			}
			old = p
		}
	}
	return updated, old, true
}

func (d *decision) available(p *corev1.Pod) bool {
	_, ok, _ := workload.Availability(p, d.minReady(), d.in.Now)
	return ok
}

// rollingUpdate replaces old pods node by node, as Kubernetes' rollingUpdate
// does: without surge it deletes old pods while fewer than maxUnavailable
// nodes lack an available pod (an unavailable old pod may always go; manage
// then creates its replacement); with surge it creates new pods beside old
// ones, up to maxSurge waiting at once, and deletes each old pod once its
// replacement is available.
func (d *decision) rollingUpdate() {
	if d.maxSurge > 0 {
		d.surge()
		return
	}
	unavailable := 0
	var replace, candidates []*corev1.Pod
	for _, ns := range d.nodes {
		if !ns.run {
			continue
		}
		updated, old, ok := d.podsOnNode(d.byNode[ns.node.Name])
		switch {
		case !ok, updated == nil && old == nil, updated != nil && old != nil:
			unavailable++
		case updated != nil:
			if !d.available(updated) {
				unavailable++
			}
		case !d.available(old):
			replace = append(replace, old)
		case unavailable < d.maxUnavailable:
			candidates = append(candidates, old)
		}
	}
	room := min(max(d.maxUnavailable-unavailable, 0), len(candidates))
	d.delete(append(replace, candidates[:room]...)...)
}

func (d *decision) surge() {
	surging := 0
	var allowed, candidates []string
	var retire []*corev1.Pod
	for _, ns := range d.nodes {
		if !ns.run {
			continue
		}
		updated, old, ok := d.podsOnNode(d.byNode[ns.node.Name])
		switch {
		case !ok:
			surging++
		case old == nil:
		case updated == nil && !d.available(old):
			allowed = append(allowed, ns.node.Name)
		case updated == nil && surging < d.maxSurge:
			candidates = append(candidates, ns.node.Name)
		case updated == nil:
		case !d.available(updated):
			surging++
		default:
			retire = append(retire, old)
		}
	}
	room := min(max(d.maxSurge-surging, 0), len(candidates))
	d.delete(retire...)
	for _, n := range append(allowed, candidates[:room]...) {
		d.create(n)
	}
}
