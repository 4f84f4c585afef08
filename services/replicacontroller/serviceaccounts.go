package replicacontroller

import (
	"context"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/jetplane/jetplane/services/replicacontroller/serviceaccounts"
	corev1 "k8s.io/api/core/v1"
)

var serviceAccountResource = events.MustLookup("serviceaccounts")

// serviceAccounts declares Kubernetes' ServiceAccount controller as a part
// of the replica controller: keyed by namespace, it creates what
// serviceaccounts.Missing decides (the default ServiceAccount) for every
// namespace that exists and every new one, and again when it is deleted.
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
		return 0, nil
	}
	return part
}
