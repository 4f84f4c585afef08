package replicacontroller

import (
	"context"
	"errors"
	"strings"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/jetplane/jetplane/services/replicacontroller/eventttl"
	"github.com/sirupsen/logrus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Name is the service name used in sources, identities and logs.
const Name = "replicacontroller"

// Config configures one replica controller instance.
type Config struct {
	Log      *natslog.Log
	Instance string           // event source "jetplane/replicacontroller/<instance>"
	Workers  int              // default 2
	Now      func() time.Time // default time.Now
	// Resync re-examines every key this often (default 30s).
	Resync time.Duration
	// PodName names new pods from their base "<rs>-"; nil: five random characters.
	PodName func(base string) string
	// Location is the time zone of CronJob schedules without spec.timeZone
	// (default time.Local, the controller's own, as in Kubernetes).
	Location *time.Location
	// NodeLifecycle: when silent nodes turn Unknown and their pods are evicted.
	NodeLifecycle NodeLifecycleConfig
	// LocalPathRoot is where on its node a local-path volume's directory
	// goes (default DefaultLocalPathRoot).
	LocalPathRoot string
	// RootCA is the CA bundle that verifies the API's serving certificate:
	// published in every namespace as kube-root-ca.crt, which pods' API
	// access volumes read (none: nothing is published, and pods wait).
	RootCA []byte
	// LeaseDuration is how long a silent leader keeps its lease (default
	// 15s); NoLeaderElection lets every instance act (tests).
	LeaseDuration    time.Duration
	NoLeaderElection bool
	// EventTTL is how long an Event lives after it was last seen (default
	// eventttl.Default, kube-apiserver's one hour).
	EventTTL time.Duration
}

type replicaController struct {
	cfg    Config
	proj   *projections.Projection
	queue  *controller.Queue
	writer *controller.Writer
	log    *logrus.Entry

	mu     sync.Mutex
	causes map[string]events.Cause // key → the event that last dirtied it
}

// Run keeps Deployments, ReplicaSets and owned objects converging until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Log == nil {
		return errors.New("replicacontroller: no log")
	}
	cfg.Workers, cfg.Resync = controller.Positive(cfg.Workers, 2), controller.Positive(cfg.Resync, 30*time.Second)
	cfg.EventTTL = controller.Positive(cfg.EventTTL, eventttl.Default)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Location == nil {
		cfg.Location = time.Local
	}
	if cfg.LocalPathRoot == "" {
		cfg.LocalPathRoot = DefaultLocalPathRoot
	}
	c := &replicaController{cfg: cfg, causes: map[string]events.Cause{}}
	// Keys are looked at once at start too: changes made while no controller ran.
	// It acts alone: two instances would each create the pods a
	// ReplicaSet lacks (CAS guards an object, not the count of them).
	svc := &controller.Service{Name: Name, Instance: cfg.Instance, Log: cfg.Log, Workers: cfg.Workers,
		Resync: cfg.Resync, Keys: c.keys, OnApply: c.onApply, Reconcile: c.reconcile,
		Leader: !cfg.NoLeaderElection, LeaseDuration: cfg.LeaseDuration}
	c.proj, c.queue, c.writer, c.log = svc.Projection(), svc.Queue(), svc.Writer(), svc.Logger()
	svc.Parts = []*controller.Service{c.nodeLifecycle(), c.serviceAccounts(), c.volumes(), c.eventExpiry()}
	return svc.Run(ctx)
}

// Queue keys: "<workload resource>/<ns>/<name>" (see workloadKinds) and
// "gc/<resource>/<ns>/<name>" (ns empty for cluster-scoped objects).
const gcPrefix = "gc"

func objectKey(resource, ns, name string) string { return resource + "/" + ns + "/" + name }

func gcKey(resource, ns, name string) string { return gcPrefix + "/" + objectKey(resource, ns, name) }

func (c *replicaController) mark(key string, cause events.Cause) {
	c.mu.Lock()
	c.causes[key] = cause
	c.mu.Unlock()
	c.queue.Add(key)
}

// takeCause returns and forgets what dirtied key; without a record, the
// latest event of fallback (the key's own object) is the cause.
func (c *replicaController) takeCause(key string, fallback *projections.Entry) events.Cause {
	c.mu.Lock()
	cause, ok := c.causes[key]
	delete(c.causes, key)
	c.mu.Unlock()
	if !ok && fallback != nil {
		cause = fallback.Cause()
	}
	return cause
}

// onApply marks dirty every key whose decision could change with this
// event: the object itself, its controller, the controllers that could
// adopt it, and on a deletion everything that it owned (or, for a
// namespace, everything in it).
func (c *replicaController) onApply(prev, cur *projections.Entry, ev *events.Event) {
	cause := events.CauseOf(ev)
	st := c.proj.State()
	objs := []metav1.Object{}
	if prev != nil && !prev.Deleted() {
		objs = append(objs, prev.Object)
	}
	if !cur.Deleted() {
		objs = append(objs, cur.Object)
	}
	for _, k := range workloadKinds {
		if cur.Resource == k.resource {
			c.mark(objectKey(k.resource, cur.Namespace, cur.Name), cause)
		}
		if cur.Resource == k.controls {
			c.markControllers(st, objs, k, cur.Namespace, cause)
		}
	}
	c.markCollectors(st, prev, cur, cause)
	c.markRecreateDeployment(st, prev, cur, cause)
	switch cur.Resource {
	case "nodes":
		// A node that joins, leaves or changes may want daemon pods or not.
		for _, e := range st.List("daemonsets", "", nil) {
			c.mark(objectKey(e.Resource, e.Namespace, e.Name), cause)
		}
	case "namespaces":
		if cur.Deleted() || cur.Object.GetDeletionTimestamp() != nil {
			for _, e := range inNamespace(st, cur.Name) {
				c.mark(gcKey(e.Resource, e.Namespace, e.Name), cause)
			}
		}
	}
	if cur.Deleted() && prev != nil && !prev.Deleted() {
		for _, e := range st.OwnedBy(prev.Object.GetUID()) {
			c.mark(gcKey(e.Resource, e.Namespace, e.Name), cause)
		}
	}
	// A new dependent may name an owner already gone, or land in a deleted namespace.
	if ev.Change() == events.Created && !cur.Deleted() &&
		(len(cur.Object.GetOwnerReferences()) > 0 || namespaceGone(st, cur.Namespace)) {
		c.mark(gcKey(cur.Resource, cur.Namespace, cur.Name), cause)
	}
}

// markControllers marks the controller of kind k of each version of an
// object, or, for a version with no controller, every controller of kind k
// in the namespace whose selector matches it (it may adopt the object).
func (c *replicaController) markControllers(st *projections.State, objs []metav1.Object, k workloadKind, ns string, cause events.Cause) {
	for _, o := range objs {
		if ref := metav1.GetControllerOfNoCopy(o); ref != nil {
			if ref.Kind == k.kind {
				c.mark(objectKey(k.resource, ns, ref.Name), cause)
			}
			continue
		}
		if !k.adopts {
			continue
		}
		set := labels.Set(o.GetLabels())
		for _, e := range st.List(k.resource, ns, nil) {
			if sel := selectorOf(e.Object); sel != nil && sel.Matches(set) {
				c.mark(objectKey(k.resource, ns, e.Name), cause)
			}
		}
	}
}

// inNamespace lists every live namespaced object of a namespace.
func inNamespace(st *projections.State, ns string) []*projections.Entry {
	var out []*projections.Entry
	for _, r := range events.Resources() {
		if r.Namespaced {
			out = append(out, st.List(r.Name, ns, nil)...)
		}
	}
	return out
}

// namespaceGone: the namespace was deleted or is terminating. A namespace
// never written (such as "default" before anyone creates it) is not gone.
func namespaceGone(st *projections.State, ns string) bool {
	if ns == "" {
		return false
	}
	e := st.Get("namespaces", "", ns)
	return e != nil && (e.Deleted() || e.Object.GetDeletionTimestamp() != nil)
}

// keys lists every key for the periodic resync: every workload, and every
// object that has owners, whose namespace is gone, or that waits for its
// finalizers.
func (c *replicaController) keys() []string {
	st := c.proj.State()
	var keys []string
	for _, k := range workloadKinds {
		for _, e := range st.List(k.resource, "", nil) {
			keys = append(keys, objectKey(e.Resource, e.Namespace, e.Name))
		}
	}
	gone := map[string]bool{}
	for _, r := range events.Resources() {
		if !r.Namespaced {
			continue
		}
		for _, e := range st.List(r.Name, "", nil) {
			g, seen := gone[e.Namespace]
			if !seen {
				g = namespaceGone(st, e.Namespace)
				gone[e.Namespace] = g
			}
			if g || len(e.Object.GetOwnerReferences()) > 0 || waitsForFinalizers(e.Object) {
				keys = append(keys, gcKey(e.Resource, e.Namespace, e.Name))
			}
		}
	}
	return keys
}

// reconcile dispatches a key to its decision.
func (c *replicaController) reconcile(ctx context.Context, key string) (time.Duration, error) {
	parts := strings.Split(key, "/")
	switch {
	case len(parts) == 4 && parts[0] == gcPrefix:
		return 0, c.collect(ctx, key, parts[1], parts[2], parts[3])
	case len(parts) == 3:
		if k, ok := workloadKindOf(parts[0]); ok {
			return k.sync(c, ctx, key, parts[1], parts[2])
		}
	}
	c.log.WithField("key", key).Warn("unknown key")
	return 0, nil
}
