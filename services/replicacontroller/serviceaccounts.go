package replicacontroller

import (
	"context"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/jetplane/jetplane/services/replicacontroller/rootca"
	"github.com/jetplane/jetplane/services/replicacontroller/serviceaccounts"
	corev1 "k8s.io/api/core/v1"
)

var serviceAccountResource = events.MustLookup("serviceaccounts")

// serviceAccounts declares Kubernetes' ServiceAccount controller and root
// CA publisher as a part of the replica controller: keyed by namespace, it
// creates what serviceaccounts.Missing decides (the default
// ServiceAccount) and writes what rootca.Decide decides (kube-root-ca.crt,
// when Config.RootCA is set) for every namespace that exists and every new
// one, and again when they are deleted or edited.
func (c *replicaController) serviceAccounts() *controller.Service {
	part := &controller.Service{Name: Name + "/serviceaccounts", Workers: 1, Resync: c.cfg.Resync,
		Keys: func() []string {
			var names []string
			for _, e := range c.proj.State().List("namespaces", "", nil) {
				names = append(names, e.Name)
			}
			return names
		}}
	queue := part.Queue()
	// A namespace's change or a ServiceAccount's (a deleted default) is
	// its namespace's key.
	part.OnApply = func(_, cur *projections.Entry, _ *events.Event) {
		switch cur.Resource {
		case "namespaces":
			queue.Add(cur.Name)
		case serviceAccountResource.Name:
			queue.Add(cur.Namespace)
		case configMapResource.Name:
			if cur.Name == rootca.Name {
				queue.Add(cur.Namespace)
			}
		}
	}
	part.Reconcile = func(ctx context.Context, ns string) (time.Duration, error) {
		st := c.proj.State()
		var namespace *corev1.Namespace
		e := st.Live("namespaces", "", ns)
		if e != nil {
			namespace, _ = e.Object.(*corev1.Namespace)
		}
		missing := serviceaccounts.Missing(namespace, func(name string) bool {
			return st.Live(serviceAccountResource.Name, ns, name) != nil
		})
		for _, sa := range missing {
			// Expect the tombstone of a deleted one, so that two
			// controllers (or the gateway at start) cannot both create it.
			var expected uint64
			if prev := st.Get(serviceAccountResource.Name, ns, sa.Name); prev != nil {
				expected = prev.Seq
			}
			events.PrepareCreate(sa, c.cfg.Now())
			w := events.Write{Resource: serviceAccountResource, Change: events.Created, Object: sa, Expected: expected, Cause: e.Cause()}
			if err := c.writer.Apply(ctx, w); err != nil {
				return 0, fmt.Errorf("create serviceaccount %s/%s: %w", ns, sa.Name, err)
			}
		}
		if namespace == nil {
			return 0, nil
		}
		return 0, c.publishRootCA(ctx, st, namespace, e.Cause())
	}
	return part
}

var configMapResource = events.MustLookup("configmaps")

// publishRootCA writes namespace's kube-root-ca.crt as rootca.Decide says,
// with CAS on what it read (a tombstone included).
func (c *replicaController) publishRootCA(ctx context.Context, st *projections.State, namespace *corev1.Namespace, cause events.Cause) error {
	if len(c.cfg.RootCA) == 0 {
		return nil
	}
	var existing *corev1.ConfigMap
	var expected uint64
	if prev := st.Get(configMapResource.Name, namespace.Name, rootca.Name); prev != nil {
		expected = prev.Seq
		if !prev.Deleted() {
			existing, _ = prev.Object.(*corev1.ConfigMap)
		}
	}
	cm := rootca.Decide(namespace, c.cfg.RootCA, existing)
	if cm == nil {
		return nil
	}
	w := events.Write{Resource: configMapResource, Change: events.Updated, Object: cm, Expected: expected, Cause: cause}
	if existing == nil {
		events.PrepareCreate(cm, c.cfg.Now())
		w.Change = events.Created
	}
	if err := c.writer.Apply(ctx, w); err != nil {
		return fmt.Errorf("publish %s/%s: %w", namespace.Name, rootca.Name, err)
	}
	return nil
}
