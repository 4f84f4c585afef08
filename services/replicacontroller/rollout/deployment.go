package rollout

import (
	"sort"
	"strconv"
	"strings"
	"time"

	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

const (
	deploymentsResource = "deployments"
	replicaSetsResource = "replicasets"
	appsV1              = "apps/v1"
)

// DeploymentInput is what the Deployment decision reads.
type DeploymentInput struct {
	Deployment *appsv1.Deployment
	// ReplicaSets are the ones whose controller ownerReference is the
	// Deployment's UID; Orphans are ReplicaSets of its namespace with no
	// controller (the matching ones are adopted).
	ReplicaSets []*appsv1.ReplicaSet
	Orphans     []*appsv1.ReplicaSet
	// NameTaken tells whether a live ReplicaSet the Deployment does not own
	// already holds a name (a hash collision); nil means never.
	NameTaken func(name string) bool
	// Pods are the pods whose controller is one of ReplicaSets: Recreate
	// waits until every old one has stopped.
	Pods []*corev1.Pod
	Now  time.Time
}

// rsState is one ReplicaSet as the decision goes: the copy being changed
// and the object as read (nil when the decision creates it).
type rsState struct {
	rs      *appsv1.ReplicaSet
	orig    *appsv1.ReplicaSet
	deleted bool
}

func (s *rsState) replicas() int32 { return replicasOf(s.rs.Spec.Replicas) }

// deploymentPlan carries one Deployment decision: Kubernetes defaults
// resolved, the new ReplicaSet and the old ones (oldest first).
type deploymentPlan struct {
	d           *appsv1.Deployment
	in          DeploymentInput
	replicas    int32
	maxSurge    int32
	maxUnavail  int32
	newRS       *rsState
	old         []*rsState
	created     bool
	collision   bool
	newRevision int64
	// estimate: this decision is a rollout step, so the Progressing
	// condition estimates progress (not when paused or only scaling).
	estimate bool
	res      Result
}

// DecideDeployment brings a Deployment's ReplicaSets one step closer to its
// spec and computes its status. It writes at most one change per
// ReplicaSet, then the Deployment's revision annotation, then its status.
func DecideDeployment(in DeploymentInput) Result {
	d := in.Deployment
	if d == nil || d.DeletionTimestamp != nil {
		return Result{} // garbage collection takes its ReplicaSets away
	}
	if d.Spec.Selector == nil {
		return Result{}
	}
	sel, err := metav1.LabelSelectorAsSelector(d.Spec.Selector)
	if err != nil || sel.Empty() {
		return Result{} // invalid, as Kubernetes refuses to sync an empty selector
	}
	p := &deploymentPlan{d: d, in: in, replicas: replicasOf(d.Spec.Replicas)}
	p.maxSurge, p.maxUnavail = fenceposts(d, p.replicas)

	keep, adopt, release := claim(in.ReplicaSets, in.Orphans, sel, false)
	for _, rs := range release {
		c := rs.DeepCopy()
		c.OwnerReferences = withoutOwner(c.OwnerReferences, d.UID)
		p.res.add(Update, replicaSetsResource, c)
	}
	states := make([]*rsState, 0, len(keep)+len(adopt))
	for _, rs := range keep {
		states = append(states, &rsState{rs: rs.DeepCopy(), orig: rs})
	}
	for _, rs := range adopt {
		c := rs.DeepCopy()
		c.OwnerReferences = append(c.OwnerReferences, controllerRef(appsV1, "Deployment", d))
		// orig stays the unadopted object so the adoption is written.
		states = append(states, &rsState{rs: c, orig: rs})
	}
	p.split(states)

	// The order of Kubernetes' deployment controller: a paused Deployment
	// only scales; a changed replica count is spread over the ReplicaSets
	// as they stand; otherwise the strategy takes one step.
	switch {
	case d.Spec.Paused:
		p.scaleProportionally()
		p.cleanupHistory()
	case p.scalingEvent():
		p.scaleProportionally()
	case d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType:
		p.estimate = true
		p.recreate()
		p.cleanupIfComplete()
	default:
		p.estimate = true
		p.rolling()
		p.cleanupIfComplete()
	}
	p.syncRevision()
	p.emitReplicaSets()
	p.emitDeployment()
	return p.res
}

// fenceposts resolves maxSurge (rounded up) and maxUnavailable (rounded
// down) against the replica count, with Kubernetes' 25% defaults; both zero
// would stall a rollout, so maxUnavailable becomes 1 then.
func fenceposts(d *appsv1.Deployment, replicas int32) (surge, unavailable int32) {
	if d.Spec.Strategy.Type == appsv1.RecreateDeploymentStrategyType {
		return 0, 0
	}
	def := intstr.FromString("25%")
	s, u := &def, &def
	if ru := d.Spec.Strategy.RollingUpdate; ru != nil {
		if ru.MaxSurge != nil {
			s = ru.MaxSurge
		}
		if ru.MaxUnavailable != nil {
			u = ru.MaxUnavailable
		}
	}
	sv, err := intstr.GetScaledValueFromIntOrPercent(s, int(replicas), true)
	if err != nil {
		sv = 0
	}
	uv, err := intstr.GetScaledValueFromIntOrPercent(u, int(replicas), false)
	if err != nil {
		uv = 0
	}
	if sv == 0 && uv == 0 {
		uv = 1
	}
	return int32(sv), min(int32(uv), replicas)
}

func replicasOf(p *int32) int32 {
	if p == nil {
		return 1
	}
	return *p
}

// split finds the ReplicaSet of the current template (the oldest one if
// several match) and orders the others oldest first.
func (p *deploymentPlan) split(states []*rsState) {
	sort.SliceStable(states, func(i, j int) bool { return olderRS(states[i].rs, states[j].rs) })
	for _, s := range states {
		if p.newRS == nil && templatesEqual(&s.rs.Spec.Template, &p.d.Spec.Template) {
			p.newRS = s
			continue
		}
		p.old = append(p.old, s)
	}
}

func olderRS(a, b *appsv1.ReplicaSet) bool {
	if !a.CreationTimestamp.Equal(&b.CreationTimestamp) {
		return a.CreationTimestamp.Before(&b.CreationTimestamp)
	}
	return a.Name < b.Name
}

// Revision reads a ReplicaSet's (or Deployment's) revision annotation; 0 if absent.
func Revision(obj metav1.Object) int64 {
	n, err := strconv.ParseInt(obj.GetAnnotations()[RevisionAnnotation], 10, 64)
	if err != nil {
		return 0
	}
	return n
}

func (p *deploymentPlan) maxOldRevision() int64 {
	var m int64
	for _, s := range p.old {
		m = max(m, Revision(s.rs))
	}
	return m
}

// createNewRS makes the ReplicaSet of the current template with the given
// size, unless its name is held by a ReplicaSet of someone else: then the
// collision count goes up and the next decision tries another name.
func (p *deploymentPlan) createNewRS(replicas int32) {
	d := p.d
	hash := PodTemplateHash(&d.Spec.Template, d.Status.CollisionCount)
	name := d.Name + "-" + hash
	if p.in.NameTaken != nil && p.in.NameTaken(name) {
		p.collision = true
		return
	}
	tmpl := d.Spec.Template.DeepCopy()
	tmpl.Labels = withLabel(tmpl.Labels, PodTemplateHashLabel, hash)
	sel := d.Spec.Selector.DeepCopy()
	sel.MatchLabels = withLabel(sel.MatchLabels, PodTemplateHashLabel, hash)
	rs := &appsv1.ReplicaSet{
		ObjectMeta: metav1.ObjectMeta{
			Name:            name,
			Namespace:       d.Namespace,
			Labels:          withLabel(d.Spec.Template.Labels, PodTemplateHashLabel, hash),
			Annotations:     map[string]string{},
			OwnerReferences: []metav1.OwnerReference{controllerRef(appsV1, "Deployment", d)},
		},
		Spec: appsv1.ReplicaSetSpec{
			Replicas:        &replicas,
			MinReadySeconds: d.Spec.MinReadySeconds,
			Selector:        sel,
			Template:        *tmpl,
		},
	}
	p.newRS = &rsState{rs: rs}
	p.created = true
}

// syncRevision gives the new ReplicaSet the next revision (also when an old
// template comes back, as on a rollback, and then the revisions it had are
// kept in revision-history), copies the Deployment's own annotations to it
// and keeps its minReadySeconds the Deployment's, as Kubernetes does.
func (p *deploymentPlan) syncRevision() {
	if p.newRS == nil {
		return
	}
	rs := p.newRS.rs
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	for k, v := range p.d.Annotations {
		if !skipCopyAnnotation(k) {
			rs.Annotations[k] = v
		}
	}
	next := p.maxOldRevision() + 1
	prev, had := rs.Annotations[RevisionAnnotation]
	if Revision(rs) < next {
		if had && prev != "" {
			rs.Annotations[RevisionHistoryAnnotation] = withRevisionHistory(rs.Annotations[RevisionHistoryAnnotation], prev)
		}
		rs.Annotations[RevisionAnnotation] = strconv.FormatInt(next, 10)
	}
	if p.created {
		p.setReplicasAnnotations(rs)
	}
	rs.Spec.MinReadySeconds = p.d.Spec.MinReadySeconds
	p.newRevision = Revision(rs)
}

// maxRevisionHistoryChars bounds revision-history as Kubernetes does: the
// oldest entries go first.
const maxRevisionHistoryChars = 2000

// withRevisionHistory appends a revision to a comma-separated history.
func withRevisionHistory(history, revision string) string {
	if history == "" {
		return revision
	}
	revs := append(strings.Split(history, ","), revision)
	for len(revs) > 1 && len(strings.Join(revs, ",")) > maxRevisionHistoryChars {
		revs = revs[1:]
	}
	return strings.Join(revs, ",")
}

func skipCopyAnnotation(k string) bool {
	switch k {
	case lastAppliedConfigAnnotation, RevisionAnnotation, RevisionHistoryAnnotation,
		DesiredReplicasAnnotation, MaxReplicasAnnotation:
		return true
	}
	return false
}

func (p *deploymentPlan) setReplicasAnnotations(rs *appsv1.ReplicaSet) {
	if rs.Annotations == nil {
		rs.Annotations = map[string]string{}
	}
	rs.Annotations[DesiredReplicasAnnotation] = strconv.Itoa(int(p.replicas))
	rs.Annotations[MaxReplicasAnnotation] = strconv.Itoa(int(p.replicas + p.maxSurge))
}

// scale sets a ReplicaSet's size and the replica annotations Kubernetes
// stamps on every scale; a rollout step leaves a size it keeps alone.
func (p *deploymentPlan) scale(s *rsState, n int32) {
	if s.replicas() == n {
		return
	}
	p.resize(s, n)
}

// resize sets the size and brings the replica annotations up to date even
// when the size stays: proportional scaling marks every ReplicaSet it saw.
func (p *deploymentPlan) resize(s *rsState, n int32) {
	s.rs.Spec.Replicas = &n
	p.setReplicasAnnotations(s.rs)
}

// emitReplicaSets turns the ReplicaSet copies into at most one change each.
// A change of the spec raises the generation, as the API server would.
func (p *deploymentPlan) emitReplicaSets() {
	all := append([]*rsState(nil), p.old...)
	if p.newRS != nil {
		all = append([]*rsState{p.newRS}, all...)
	}
	for _, s := range all {
		if s.orig != nil && !s.deleted && !equality.Semantic.DeepEqual(s.rs.Spec, s.orig.Spec) {
			s.rs.Generation = s.orig.Generation + 1
		}
		switch {
		case s.orig == nil:
			p.res.add(Create, replicaSetsResource, s.rs)
		case s.deleted:
			p.res.add(Delete, replicaSetsResource, s.orig.DeepCopy())
		case s.replicas() != replicasOf(s.orig.Spec.Replicas):
			p.res.add(Scale, replicaSetsResource, s.rs)
		case !equality.Semantic.DeepEqual(s.rs.ObjectMeta, s.orig.ObjectMeta) ||
			!equality.Semantic.DeepEqual(s.rs.Spec, s.orig.Spec):
			p.res.add(Update, replicaSetsResource, s.rs)
		}
	}
}

// emitDeployment writes the revision annotation (metadata) and then the
// status, each only when it changed: an unchanged write would loop forever.
func (p *deploymentPlan) emitDeployment() {
	d := p.d.DeepCopy()
	if p.newRS != nil {
		rev := strconv.FormatInt(p.newRevision, 10)
		if d.Annotations[RevisionAnnotation] != rev {
			if d.Annotations == nil {
				d.Annotations = map[string]string{}
			}
			d.Annotations[RevisionAnnotation] = rev
			p.res.add(Update, deploymentsResource, d)
			d = d.DeepCopy()
		}
	}
	st, requeue := p.status()
	p.res.requeueAfter(requeue)
	if !equality.Semantic.DeepEqual(d.Status, st) {
		d.Status = st
		p.res.add(Status, deploymentsResource, d)
	}
}
