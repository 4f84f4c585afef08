package statefulset

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels Kubernetes puts on a StatefulSet's pods.
const (
	PodNameLabel      = appsv1.StatefulSetPodNameLabel // statefulset.kubernetes.io/pod-name
	RevisionHashLabel = appsv1.ControllerRevisionHashLabelKey
	PodIndexLabel     = appsv1.PodIndexLabel // apps.kubernetes.io/pod-index
)

const (
	podsResource   = "pods"
	claimsResource = "persistentvolumeclaims"
	setsResource   = "statefulsets"
)

// Kind is what a StatefulSet's pods name as their controller.
var Kind = appsv1.SchemeGroupVersion.WithKind("StatefulSet")

// Input is what the decision reads.
type Input struct {
	StatefulSet *appsv1.StatefulSet
	// Pods are controlled by the set; Orphans are the pods of its
	// namespace without a controller (the matching ones are adopted).
	Pods, Orphans []*corev1.Pod
	// Claim finds a PersistentVolumeClaim of the set's namespace by name
	// (nil when there is none).
	Claim func(name string) *corev1.PersistentVolumeClaim
	Now   time.Time
}

type decision struct {
	in       Input
	set      *appsv1.StatefulSet
	revision string // the update revision: <set>-<template hash>
	res      workload.Result
	byOrd    map[int]*corev1.Pod
	start    int
	replicas int
}

// Decide makes the set's pods, claims and status converge one step.
func Decide(in Input) workload.Result {
	set := in.StatefulSet
	if set == nil || set.Spec.Selector == nil {
		return workload.Result{}
	}
	sel, err := metav1.LabelSelectorAsSelector(set.Spec.Selector)
	if err != nil || sel.Empty() {
		return workload.Result{}
	}
	d := &decision{in: in, set: set, byOrd: map[int]*corev1.Pod{}, replicas: int(ptrOr(set.Spec.Replicas, 1)),
		revision: Revision(set)}
	if set.Spec.Ordinals != nil {
		d.start = int(set.Spec.Ordinals.Start)
	}
	claimed, release, adopt := workload.Claimed(in.Pods, in.Orphans, sel, set, Kind, (*corev1.Pod).DeepCopy)
	for _, p := range append(release, adopt...) {
		d.res.Add(workload.Update, podsResource, p)
	}
	var condemned []*corev1.Pod
	for _, p := range claimed {
		ord, ok := ordinalOf(set, p)
		if !ok || ord < d.start || ord >= d.start+d.replicas {
			condemned = append(condemned, p)
			continue
		}
		d.byOrd[ord] = p
	}
	if set.DeletionTimestamp == nil {
		before := len(d.res.Changes)
		if d.manage() && d.scaleDown(condemned) && len(d.res.Changes) == before &&
			set.Spec.UpdateStrategy.Type != appsv1.OnDeleteStatefulSetStrategyType {
			d.rollingUpdate()
		}
	}
	st, wait := d.status(claimed)
	d.res.RequeueAfter(wait)
	if !equality.Semantic.DeepEqual(set.Status, st) {
		c := set.DeepCopy()
		c.Status = st
		d.res.Add(workload.Status, setsResource, c)
	}
	return d.res
}

// Revision is the set's update revision, <set>-<template hash>, the value
// of its pods' controller-revision-hash.
func Revision(set *appsv1.StatefulSet) string {
	return set.Name + "-" + workload.TemplateHash(&set.Spec.Template, set.Status.CollisionCount)
}

// PodName is the name of the set's pod of ordinal ord.
func PodName(set *appsv1.StatefulSet, ord int) string { return set.Name + "-" + strconv.Itoa(ord) }

// ClaimName is the claim of template t for pod.
func ClaimName(t *corev1.PersistentVolumeClaim, pod string) string { return t.Name + "-" + pod }

func ordinalOf(set *appsv1.StatefulSet, p *corev1.Pod) (int, bool) {
	rest, ok := strings.CutPrefix(p.Name, set.Name+"-")
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(rest)
	return n, err == nil && n >= 0 && strconv.Itoa(n) == rest
}

// healthy: Running and Ready, and not terminating.
func healthy(p *corev1.Pod) bool {
	return p.DeletionTimestamp == nil && p.Status.Phase == corev1.PodRunning && workload.IsReady(p)
}

func (d *decision) ordered() bool {
	return d.set.Spec.PodManagementPolicy != appsv1.ParallelPodManagement
}

// manage makes every ordinal's claims and pod, replaces ended pods, and,
// ordered, stops at the first ordinal that is not healthy yet. It reports
// whether every pod is healthy (what scaling down and updating wait for).
func (d *decision) manage() bool {
	all := true
	for ord := d.start; ord < d.start+d.replicas; ord++ {
		p := d.byOrd[ord]
		switch {
		case p == nil:
			d.claims(PodName(d.set, ord))
			d.res.Add(workload.Create, podsResource, d.newPod(ord))
			all = false
		case workload.IsFinished(p) && p.DeletionTimestamp == nil:
			d.res.Add(workload.Delete, podsResource, p.DeepCopy()) // made again on the next pass
			all = false
		case !healthy(p):
			all = false
		}
		if !all && d.ordered() {
			return false
		}
	}
	return all
}

// claims makes the claims pod is missing, before the pod.
func (d *decision) claims(pod string) {
	for i := range d.set.Spec.VolumeClaimTemplates {
		t := &d.set.Spec.VolumeClaimTemplates[i]
		name := ClaimName(t, pod)
		if d.in.Claim != nil && d.in.Claim(name) != nil {
			continue
		}
		c := &corev1.PersistentVolumeClaim{
			ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: d.set.Namespace,
				Labels: maps.Clone(t.Labels), Annotations: maps.Clone(t.Annotations)},
			Spec:   *t.Spec.DeepCopy(),
			Status: corev1.PersistentVolumeClaimStatus{Phase: corev1.ClaimPending},
		}
		if c.Labels == nil {
			c.Labels = map[string]string{}
		}
		maps.Copy(c.Labels, d.set.Spec.Selector.MatchLabels)
		if p := d.set.Spec.PersistentVolumeClaimRetentionPolicy; p != nil && p.WhenDeleted == appsv1.DeletePersistentVolumeClaimRetentionPolicyType {
			ref := workload.ControllerRef(Kind, d.set)
			ref.Controller = nil // owned, not controlled: the set's deletion takes it
			c.OwnerReferences = []metav1.OwnerReference{ref}
		}
		d.res.Add(workload.Create, claimsResource, c)
	}
}

func (d *decision) newPod(ord int) *corev1.Pod {
	name := PodName(d.set, ord)
	p := workload.NewPod(&d.set.Spec.Template, d.set.Namespace, name, "", workload.ControllerRef(Kind, d.set))
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[PodNameLabel] = name
	p.Labels[RevisionHashLabel] = d.revision
	p.Labels[PodIndexLabel] = strconv.Itoa(ord)
	p.Spec.Hostname, p.Spec.Subdomain = name, d.set.Spec.ServiceName
	for i := range d.set.Spec.VolumeClaimTemplates {
		t := &d.set.Spec.VolumeClaimTemplates[i]
		src := corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: ClaimName(t, name)}}
		found := false
		for j := range p.Spec.Volumes {
			if p.Spec.Volumes[j].Name == t.Name {
				p.Spec.Volumes[j].VolumeSource, found = src, true
			}
		}
		if !found {
			p.Spec.Volumes = append(p.Spec.Volumes, corev1.Volume{Name: t.Name, VolumeSource: src})
		}
	}
	return p
}

// scaleDown deletes the pods past the replicas, highest ordinal first:
// ordered, one at a time once the others are healthy; with their claims
// when whenScaled is Delete. It reports whether none is left.
func (d *decision) scaleDown(condemned []*corev1.Pod) bool {
	if len(condemned) == 0 {
		return true
	}
	slices.SortFunc(condemned, func(a, b *corev1.Pod) int {
		oa, _ := ordinalOf(d.set, a)
		ob, _ := ordinalOf(d.set, b)
		return ob - oa
	})
	for _, p := range condemned {
		if p.DeletionTimestamp != nil {
			if d.ordered() {
				return false // wait for it to go
			}
			continue
		}
		d.res.Add(workload.Delete, podsResource, p.DeepCopy())
		if r := d.set.Spec.PersistentVolumeClaimRetentionPolicy; r != nil && r.WhenScaled == appsv1.DeletePersistentVolumeClaimRetentionPolicyType {
			for i := range d.set.Spec.VolumeClaimTemplates {
				if c := d.in.Claim(ClaimName(&d.set.Spec.VolumeClaimTemplates[i], p.Name)); c != nil && c.DeletionTimestamp == nil {
					d.res.Add(workload.Delete, claimsResource, c.DeepCopy())
				}
			}
		}
		if d.ordered() {
			return false
		}
	}
	return false
}

// rollingUpdate replaces, from the highest ordinal down to the partition,
// the first pod not at the update revision, once every pod is healthy.
func (d *decision) rollingUpdate() {
	partition := 0
	if ru := d.set.Spec.UpdateStrategy.RollingUpdate; ru != nil && ru.Partition != nil {
		partition = int(*ru.Partition)
	}
	for ord := d.start + d.replicas - 1; ord >= d.start && ord >= partition; ord-- {
		p := d.byOrd[ord]
		if p == nil || !healthy(p) {
			return
		}
		if p.Labels[RevisionHashLabel] != d.revision {
			d.res.Add(workload.Delete, podsResource, p.DeepCopy())
			return
		}
	}
}

func ptrOr(p *int32, def int32) int32 {
	if p == nil {
		return def
	}
	return *p
}
