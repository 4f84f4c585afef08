package replicacontroller

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/jetplane/jetplane/services/replicacontroller/eventttl"
)

// eventResources are the Events clients write (core/v1, events.k8s.io).
var eventResources = []string{"events", "events.events.k8s.io"}

// eventExpiry declares the Event TTL as a part of the replica controller:
// keyed resource|namespace/name, it deletes an Event eventttl.Decide says
// expired and looks again at one that has not, when it would.
func (c *replicaController) eventExpiry() *controller.Service {
	ttl := c.cfg.EventTTL
	part := &controller.Service{Name: Name + "/eventttl", Workers: 1, Resync: c.cfg.Resync,
		Keys: func() []string {
			var keys []string
			for _, r := range eventResources {
				for _, e := range c.proj.State().List(r, "", nil) {
					keys = append(keys, r+"|"+e.Key())
				}
			}
			return keys
		}}
	queue := part.Queue()
	part.OnApply = func(_, cur *projections.Entry, _ *events.Event) {
		if !cur.Deleted() && (cur.Resource == eventResources[0] || cur.Resource == eventResources[1]) {
			queue.Add(cur.Resource + "|" + cur.Key())
		}
	}
	part.Reconcile = func(ctx context.Context, key string) (time.Duration, error) {
		resource, objKey, _ := strings.Cut(key, "|")
		ns, name, _ := strings.Cut(objKey, "/")
		e := c.proj.State().Live(resource, ns, name)
		if e == nil {
			return 0, nil
		}
		expired, after := eventttl.Decide(e.Object, c.cfg.Now(), ttl)
		if !expired {
			return after, nil
		}
		res := events.MustLookup(resource)
		w := events.DeleteWrite(res, e.Object, e.Seq, 0, c.cfg.Now())
		w.Cause = e.Cause()
		if err := c.writer.Apply(ctx, w); err != nil {
			return 0, fmt.Errorf("delete expired event %s: %w", objKey, err)
		}
		return 0, nil
	}
	return part
}
