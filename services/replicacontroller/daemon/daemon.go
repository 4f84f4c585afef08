package daemon

import (
	"cmp"
	"slices"
	"strconv"
	"time"

	"github.com/jetplane/jetplane/services/replicacontroller/workload"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels Kubernetes puts on daemon pods.
const (
	RevisionHashLabel       = appsv1.DefaultDaemonSetUniqueLabelKey // controller-revision-hash
	TemplateGenerationLabel = "pod-template-generation"
)

const (
	podsResource       = "pods"
	daemonSetsResource = "daemonsets"
)

// Kind is what daemon pods name as their controller.
var Kind = appsv1.SchemeGroupVersion.WithKind("DaemonSet")

// Input is what the DaemonSet decision reads.
type Input struct {
	DaemonSet *appsv1.DaemonSet
	// Nodes are every node of the cluster.
	Nodes []*corev1.Node
	// Pods are controlled by the DaemonSet; Orphans are the pods of its
	// namespace without a controller (the matching ones are adopted).
	Pods    []*corev1.Pod
	Orphans []*corev1.Pod
	Now     time.Time
	// PodName names a new pod from its base "<ds>-"; nil: five random characters.
	PodName func(base string) string
}

// decision carries one DaemonSet's decision while it is made.
type decision struct {
	in     Input
	ds     *appsv1.DaemonSet
	hash   string
	res    workload.Result
	namer  *workload.Namer
	byNode map[string][]*corev1.Pod // active pods by target node, oldest first
	nodes  []nodeState
	// maxSurge and maxUnavailable are the rolling update's budgets, scaled
	// to the number of nodes that should run a pod.
	maxSurge, maxUnavailable int
}

// nodeState is one node and what the DaemonSet wants there.
type nodeState struct {
	node      *corev1.Node
	run, keep bool
}

// Decide keeps one pod of the DaemonSet on every eligible node: it adopts
// and releases pods, creates the missing ones, deletes the ones on nodes
// that no longer want them (or are gone), rolls out a new template and
// writes the status.
func Decide(in Input) workload.Result {
	ds := in.DaemonSet
	if ds == nil || ds.Spec.Selector == nil {
		return workload.Result{}
	}
	sel, err := metav1.LabelSelectorAsSelector(ds.Spec.Selector)
	if err != nil || sel.Empty() {
		return workload.Result{}
	}
	d := &decision{in: in, ds: ds, hash: Hash(ds), byNode: map[string][]*corev1.Pod{}}
	claimed, release, adopt := workload.Claimed(in.Pods, in.Orphans, sel, ds, Kind, (*corev1.Pod).DeepCopy)
	for _, p := range append(release, adopt...) {
		d.res.Add(workload.Update, podsResource, p)
	}
	d.namer = workload.NewNamer(in.PodName, claimed)
	for _, p := range claimed {
		switch {
		case p.DeletionTimestamp != nil:
		case workload.IsFinished(p):
			// A daemon pod that ended is replaced, as Kubernetes does.
			d.res.Add(workload.Delete, podsResource, p.DeepCopy())
		default:
			if n := TargetNode(p); n != "" {
				d.byNode[n] = append(d.byNode[n], p)
			}
		}
	}
	for n := range d.byNode {
		slices.SortStableFunc(d.byNode[n], byAge)
	}
	nodes := slices.Clone(in.Nodes)
	slices.SortFunc(nodes, func(a, b *corev1.Node) int { return cmp.Compare(a.Name, b.Name) })
	for _, n := range nodes {
		run, keep := shouldRun(ds, n)
		d.nodes = append(d.nodes, nodeState{node: n, run: run, keep: keep})
	}
	d.maxSurge, d.maxUnavailable = budgets(ds, d.desired())
	if ds.DeletionTimestamp == nil {
		before := len(d.res.Changes)
		d.manage()
		// The update works from the pods as they stand once manage's
		// writes are in: it waits for the next pass.
		if len(d.res.Changes) == before && ds.Spec.UpdateStrategy.Type != appsv1.OnDeleteDaemonSetStrategyType {
			d.rollingUpdate()
		}
	}
	st, wait := d.status()
	d.res.RequeueAfter(wait)
	if !equality.Semantic.DeepEqual(ds.Status, st) {
		c := ds.DeepCopy()
		c.Status = st
		d.res.Add(workload.Status, daemonSetsResource, c)
	}
	return d.res
}

// Hash is the DaemonSet's template hash, its controller-revision-hash.
func Hash(ds *appsv1.DaemonSet) string {
	return workload.TemplateHash(&ds.Spec.Template, ds.Status.CollisionCount)
}

// manage creates a pod on every node that should run one and has none, and
// deletes the pods of nodes that should not keep them, of nodes that are
// gone, and the extra ones where a node has several.
func (d *decision) manage() {
	known := map[string]bool{}
	for _, ns := range d.nodes {
		known[ns.node.Name] = true
		pods := d.byNode[ns.node.Name]
		switch {
		case ns.run && len(pods) == 0:
			d.create(ns.node.Name)
		case !ns.keep:
			d.delete(pods...)
		default:
			d.delete(d.extras(pods)...)
		}
	}
	for _, n := range sortedKeys(d.byNode) {
		if !known[n] {
			d.delete(d.byNode[n]...) // its node left the cluster
		}
	}
}

// extras are the pods of one node beyond the one it should have. With
// surge, an old pod may stay beside the oldest new one until that one is
// available, as Kubernetes allows; otherwise the oldest pod stays.
func (d *decision) extras(pods []*corev1.Pod) []*corev1.Pod {
	if len(pods) < 2 {
		return nil
	}
	if d.maxSurge > 0 {
		var newest, oldest *corev1.Pod
		var out []*corev1.Pod
		for _, p := range pods {
			switch {
			case d.isUpdated(p) && newest == nil:
				newest = p
			case !d.isUpdated(p) && oldest == nil:
				oldest = p
			default:
				out = append(out, p)
			}
		}
		if newest != nil && oldest != nil {
			if _, available, _ := workload.Availability(newest, d.minReady(), d.in.Now); !workload.IsReady(oldest) || available {
				out = append(out, oldest)
			}
		}
		return out
	}
	return pods[1:]
}

// create adds a pod of the current template for node.
func (d *decision) create(node string) {
	base := workload.PodBase(d.ds.Name)
	p := workload.NewPod(&d.ds.Spec.Template, d.ds.Namespace, d.namer.Next(base), base, workload.ControllerRef(Kind, d.ds))
	if p.Labels == nil {
		p.Labels = map[string]string{}
	}
	p.Labels[RevisionHashLabel] = d.hash
	p.Labels[TemplateGenerationLabel] = strconv.FormatInt(d.ds.Generation, 10)
	addDaemonTolerations(&p.Spec)
	pinToNode(&p.Spec, node)
	d.res.Add(workload.Create, podsResource, p)
}

func (d *decision) delete(pods ...*corev1.Pod) {
	for _, p := range pods {
		d.res.Add(workload.Delete, podsResource, p.DeepCopy())
	}
}

// isUpdated: the pod runs the current template.
func (d *decision) isUpdated(p *corev1.Pod) bool { return p.Labels[RevisionHashLabel] == d.hash }

func (d *decision) minReady() time.Duration {
	return time.Duration(d.ds.Spec.MinReadySeconds) * time.Second
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
