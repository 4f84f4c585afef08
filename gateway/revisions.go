package gateway

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	appsv1 "k8s.io/api/apps/v1"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Annotations of Deployments and their ReplicaSets (as Kubernetes names them).
const (
	revisionAnnotation    = "deployment.kubernetes.io/revision"
	changeCauseAnnotation = "kubernetes.io/change-cause"
	podTemplateHashLabel  = "pod-template-hash"
)

// controllerAnnotations are written by the replica controller for its own
// bookkeeping, never copied from a Deployment.
var controllerAnnotations = map[string]bool{revisionAnnotation: true,
	"deployment.kubernetes.io/revision-history": true, "deployment.kubernetes.io/desired-replicas": true,
	"deployment.kubernetes.io/max-replicas": true}

// deploymentRevisions replays the Deployment's subject and its namespace's
// ReplicaSets, then folds them into revisions.
func (a *jetplaneAPI) deploymentRevisions(w http.ResponseWriter, r *http.Request) {
	ns, name := r.PathValue("namespace"), r.PathValue("name")
	res := events.MustLookup("deployments")
	var f revisionFold
	err := a.log.Replay(r.Context(), events.Subject(res.Name, ns, name), 1, 0, func(ev *events.Event, decErr error) error {
		if decErr == nil {
			f.deployment(ev)
		}
		return nil
	})
	if err == nil && len(f.deployments) > 0 {
		err = a.log.Replay(r.Context(), events.FilterSubject("replicasets", ns), 1, 0, func(ev *events.Event, decErr error) error {
			if decErr == nil {
				f.replicaSet(ev)
			}
			return nil
		})
	}
	if err != nil {
		writeError(w, err)
		return
	}
	if len(f.deployments) == 0 {
		writeError(w, apierrors.NewNotFound(res.GroupResource(), name))
		return
	}
	writeJSON(w, http.StatusOK, jetplaneapi.DeploymentRevisions{Kind: "DeploymentRevisions", Namespace: ns, Name: name,
		UID: f.uid, Revisions: f.result()})
}

// revisionFold gathers revisions from the events of one Deployment (its
// latest incarnation, by UID) and of the ReplicaSets it controlled.
type revisionFold struct {
	uid         types.UID
	deployments []deploymentChange
	revisions   map[int64]*jetplaneapi.DeploymentRevision
	// holds: each ReplicaSet's revision as of its latest event (0: deleted).
	holds map[string]int64
}

// deploymentChange is one event of the Deployment with its template.
type deploymentChange struct {
	seq      uint64
	time     time.Time
	actor    string
	template corev1.PodTemplateSpec
}

func (f *revisionFold) deployment(ev *events.Event) {
	var d appsv1.Deployment
	if len(ev.Data) == 0 || events.DecodeInto(ev.Data, &d) != nil {
		return
	}
	if d.UID != f.uid {
		// A new incarnation under the same name: its history starts over.
		f.uid, f.deployments = d.UID, nil
	}
	f.deployments = append(f.deployments, deploymentChange{seq: ev.Seq, time: ev.Time, actor: ev.Actor, template: d.Spec.Template})
}

func (f *revisionFold) replicaSet(ev *events.Event) {
	var rs appsv1.ReplicaSet
	if len(ev.Data) == 0 || events.DecodeInto(ev.Data, &rs) != nil {
		return
	}
	ref := metav1.GetControllerOfNoCopy(&rs)
	if ref == nil || ref.UID != f.uid {
		return
	}
	if f.revisions == nil {
		f.revisions, f.holds = map[int64]*jetplaneapi.DeploymentRevision{}, map[string]int64{}
	}
	rev, err := strconv.ParseInt(rs.Annotations[revisionAnnotation], 10, 64)
	if err != nil || rev < 1 {
		return
	}
	f.holds[rs.Name] = rev
	if ev.IsDelete() {
		f.holds[rs.Name] = 0
	}
	cur, seen := f.revisions[rev]
	if !seen {
		tmpl := *rs.Spec.Template.DeepCopy()
		delete(tmpl.Labels, podTemplateHashLabel)
		cur = &jetplaneapi.DeploymentRevision{Revision: rev, Template: tmpl, ReplicaSet: rs.Name,
			ResourceVersion: events.FormatRV(ev.Seq), Time: ev.Time, Actor: ev.Actor}
		f.revisions[rev] = cur
		f.attribute(cur, ev.Seq)
	}
	// The change-cause may be annotated after the rollout began; the latest
	// annotations the ReplicaSet carried with this revision count.
	if cur.ReplicaSet == rs.Name {
		cur.Annotations = map[string]string{}
		for k, v := range rs.Annotations {
			if !controllerAnnotations[k] {
				cur.Annotations[k] = v
			}
		}
		cur.ChangeCause = rs.Annotations[changeCauseAnnotation]
	}
}

// attribute credits a revision to the Deployment change that brought its
// template in: among the changes before the revision appeared, the latest
// one with this template, and then the first of the run of changes that
// kept it (status and annotation writes keep the template).
func (f *revisionFold) attribute(rev *jetplaneapi.DeploymentRevision, seq uint64) {
	i := sort.Search(len(f.deployments), func(i int) bool { return f.deployments[i].seq >= seq }) - 1
	for ; i >= 0 && !equality.Semantic.DeepEqual(f.deployments[i].template, rev.Template); i-- {
	}
	if i < 0 {
		return
	}
	for i > 0 && equality.Semantic.DeepEqual(f.deployments[i-1].template, rev.Template) {
		i--
	}
	c := f.deployments[i]
	rev.ResourceVersion, rev.Time, rev.Actor = events.FormatRV(c.seq), c.time, c.actor
}

// result lists the revisions in order, telling which ReplicaSets still
// carry theirs.
func (f *revisionFold) result() []jetplaneapi.DeploymentRevision {
	out := make([]jetplaneapi.DeploymentRevision, 0, len(f.revisions))
	for _, r := range f.revisions {
		r.ReplicaSetLive = f.holds[r.ReplicaSet] == r.Revision
		out = append(out, *r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Revision < out[j].Revision })
	return out
}
