package endpointcontroller

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/jetplane/jetplane/services/endpointcontroller/endpoints"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// Name is the service name used in sources, identities and logs.
const Name = "endpointcontroller"

var endpointsResource = events.MustLookup("endpoints")

// Config configures one endpoint controller instance.
type Config struct {
	Log      *natslog.Log
	Instance string           // source "jetplane/endpointcontroller/<instance>"
	Workers  int              // default 1
	Now      func() time.Time // default time.Now
	// Resync re-examines every Service this often (default 5 minutes).
	Resync time.Duration
	// LeaseDuration is how long a silent leader keeps its lease (default
	// 15s); NoLeaderElection lets every instance act (tests).
	LeaseDuration    time.Duration
	NoLeaderElection bool
}

type endpointController struct {
	cfg    Config
	proj   *projections.Projection
	queue  *controller.Queue
	writer *controller.Writer
	log    *logrus.Entry
}

// Run keeps every Service's Endpoints up to date until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Log == nil {
		return errors.New("endpointcontroller: no log")
	}
	cfg.Workers, cfg.Resync = controller.Positive(cfg.Workers, 1), controller.Positive(cfg.Resync, 5*time.Minute)
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	c := &endpointController{cfg: cfg}
	// Keys are looked at once at start too: Endpoints left over from
	// Services deleted while no controller ran.
	// It acts alone, as every Kubernetes controller does (CAS on each
	// Endpoints object keeps two from overwriting each other; the lease
	// keeps them from doing the work twice).
	svc := &controller.Service{Name: Name, Instance: cfg.Instance, Log: cfg.Log, Workers: cfg.Workers,
		Resync: cfg.Resync, Keys: c.keys, OnApply: c.onApply, Reconcile: c.reconcile,
		Leader: !cfg.NoLeaderElection, LeaseDuration: cfg.LeaseDuration}
	c.proj, c.queue, c.writer, c.log = svc.Projection(), svc.Queue(), svc.Writer(), svc.Logger()
	return svc.Run(ctx)
}

// keys lists every Service and every Endpoints object this controller made.
func (c *endpointController) keys() []string {
	st := c.proj.State()
	var keys []string
	for _, e := range st.List("services", "", nil) {
		keys = append(keys, e.Key())
	}
	managed := labels.SelectorFromSet(labels.Set{endpoints.ManagedByLabel: endpoints.ManagedByValue})
	for _, e := range st.List("endpoints", "", managed) {
		keys = append(keys, e.Key())
	}
	return keys
}

// onApply marks Services dirty: a Service on its own change; the Services
// whose selector matches a pod's old or new labels on a pod change; the
// Service named like an Endpoints object that changed (someone else edited
// or deleted it: put it back).
func (c *endpointController) onApply(prev, cur *projections.Entry, _ *events.Event) {
	switch cur.Resource {
	case "services", "endpoints":
		c.queue.Add(cur.Key())
	case "nodes":
		// LoadBalancer Services list the Ready nodes' addresses.
		for _, e := range c.proj.State().List("services", "", nil) {
			if svc, ok := e.Object.(*corev1.Service); ok && svc.Spec.Type == corev1.ServiceTypeLoadBalancer {
				c.queue.Add(e.Key())
			}
		}
	case "pods":
		var before, after labels.Set
		if prev != nil && !prev.Deleted() {
			before = labels.Set(prev.Object.GetLabels())
		}
		if !cur.Deleted() {
			after = labels.Set(cur.Object.GetLabels())
		}
		for _, e := range c.proj.State().List("services", cur.Namespace, nil) {
			svc, ok := e.Object.(*corev1.Service)
			if !ok || len(svc.Spec.Selector) == 0 {
				continue
			}
			sel := labels.SelectorFromSet(svc.Spec.Selector)
			if (before != nil && sel.Matches(before)) || (after != nil && sel.Matches(after)) {
				c.queue.Add(e.Key())
			}
		}
	}
}

// reconcile brings one Service's Endpoints to what the projection implies.
func (c *endpointController) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name, _ := strings.Cut(key, "/")
	st := c.proj.State()
	var svc *corev1.Service
	var pods []*corev1.Pod
	var cause events.Cause
	if e := st.Get("services", ns, name); e != nil {
		// A tombstone still names the event that deleted the Service: the cause.
		cause = e.Cause()
		svc, _ = e.Object.(*corev1.Service)
	}
	if svc != nil && len(svc.Spec.Selector) > 0 {
		for _, pe := range st.List("pods", ns, labels.SelectorFromSet(svc.Spec.Selector)) {
			if p, ok := pe.Object.(*corev1.Pod); ok {
				pods = append(pods, p)
			}
		}
	}
	var existing *corev1.Endpoints
	var expected uint64 // the Endpoints' sequence, its tombstone's, or 0
	if e := st.Get("endpoints", ns, name); e != nil {
		expected = e.Seq
		existing, _ = e.Object.(*corev1.Endpoints)
	}

	if err := c.syncLoadBalancer(ctx, st, ns, name, cause); err != nil {
		return 0, err
	}
	d := endpoints.Decide(svc, pods, existing)
	if d.Action == endpoints.None {
		return 0, nil
	}
	w := events.Write{Resource: endpointsResource, Change: string(d.Action), Object: d.Endpoints, Expected: expected}
	switch d.Action {
	case endpoints.Create:
		events.PrepareCreate(d.Endpoints, c.cfg.Now())
	case endpoints.Delete:
		w = events.DeleteWrite(endpointsResource, d.Endpoints, expected, 0, c.cfg.Now())
	}
	w.Cause = cause
	if err := c.writer.Apply(ctx, w); err != nil {
		return 0, fmt.Errorf("%s endpoints %s: %w", w.Change, key, err)
	}
	c.log.WithFields(logrus.Fields{"key": key, "seq": d.Endpoints.GetResourceVersion(), "change": w.Change}).Info("endpoints written")
	return 0, nil
}

// syncLoadBalancer writes status.loadBalancer.ingress of a Service when the
// Ready nodes' addresses it should list changed.
func (c *endpointController) syncLoadBalancer(ctx context.Context, st *projections.State, ns, name string, cause events.Cause) error {
	e := st.Live("services", ns, name)
	if e == nil {
		return nil
	}
	svc, ok := e.Object.(*corev1.Service)
	if !ok {
		return nil
	}
	var nodes []*corev1.Node
	for _, ne := range st.List("nodes", "", nil) {
		if n, ok := ne.Object.(*corev1.Node); ok {
			nodes = append(nodes, n)
		}
	}
	want := endpoints.LoadBalancerIngress(svc, nodes)
	if !endpoints.LoadBalancerChanged(svc, want) {
		return nil
	}
	updated := svc.DeepCopy()
	updated.Status.LoadBalancer.Ingress = want
	w := events.Write{Resource: events.MustLookup("services"), Change: events.StatusChange, Object: updated, Expected: e.Seq, Cause: cause}
	if err := c.writer.Apply(ctx, w); err != nil {
		return fmt.Errorf("load balancer status of %s/%s: %w", ns, name, err)
	}
	return nil
}
