package gateway

import (
	"fmt"

	"github.com/jetplane/jetplane/endpointslices"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/watch"
)

// EndpointSlices are a view of the Endpoints (endpointslices.Of), so a
// watch of them follows the Endpoints' events and sends what each change
// does to the slices derived from it: a slice that appears is ADDED, one
// that changes MODIFIED, one that goes (or stops matching) DELETED.

// sliceWatch is the state of an EndpointSlice watch: per Endpoints key,
// the slices last sent as present, by name (a DELETED carries the last
// state, as Kubernetes' does).
type sliceWatch map[string]map[string]events.Object

// sendSlicesCurrent sends ADDED for the slices of every Endpoints and
// returns the sequence to follow from.
func (wt *watcher) sendSlicesCurrent(p *projections.Projection) (uint64, error) {
	last := p.LastApplied()
	for _, e := range p.State().List("endpoints", wt.t.namespace, nil) {
		wt.seen[e.Key()] = e.Seq
		ep, ok := e.Object.(*corev1.Endpoints)
		if !ok {
			continue
		}
		if err := wt.sliceChange(e.Key(), ep, e.Seq); err != nil {
			return 0, err
		}
	}
	return last, nil
}

// resumeSlices prepares a watch resumed from rv: the client holds the
// slices of the Endpoints as they stood at rv, which are the live ones when
// none changed since (the usual re-watch). When one did, their slices at rv
// are not at hand, and the watch answers 410 Gone: the client lists again
// (client-go's informers do on their own).
func (wt *watcher) resumeSlices(p *projections.Projection, rv uint64) error {
	for _, e := range p.State().List("endpoints", wt.t.namespace, nil) {
		if e.Seq > rv {
			return apierrors.NewResourceExpired(fmt.Sprintf(
				"too old resource version: %d: endpointslices changed since; list them again", rv))
		}
	}
	for _, e := range p.State().List("endpoints", wt.t.namespace, nil) {
		if ep, ok := e.Object.(*corev1.Endpoints); ok {
			wt.holdSlices(e.Key(), ep, e.Seq)
		}
	}
	return nil
}

// holdSlices records ep's matching slices as the client's, sending nothing.
func (wt *watcher) holdSlices(key string, ep *corev1.Endpoints, seq uint64) {
	held := map[string]events.Object{}
	for _, sl := range endpointslices.Of(ep) {
		wt.t.res.SetTypeMeta(sl)
		sl.SetResourceVersion(events.FormatRV(seq))
		if wt.sel.matches(wt.t.res, sl) {
			held[sl.Name] = sl
		}
	}
	if len(held) > 0 {
		wt.slices[key] = held
	}
}

// sendSlices turns one Endpoints event into the watch events of its slices.
func (wt *watcher) sendSlices(ev *events.Event) error {
	key := projections.Key(ev.Namespace, ev.Name)
	if seq, ok := wt.seen[key]; ok && ev.Seq <= seq {
		return nil
	}
	obj, err := events.DecodeObject(events.MustLookup("endpoints"), ev.Data)
	if err != nil {
		return nil // not an object of this version: skip, as projections do
	}
	ep, ok := obj.(*corev1.Endpoints)
	if !ok {
		return nil
	}
	if ev.IsDelete() {
		// The deleted object's last state names its slices, whether or
		// not this watch sent them (a client that listed them has them).
		if _, known := wt.slices[key]; !known {
			wt.holdSlices(key, ep, ev.Seq)
		}
		return wt.sliceChange(key, nil, ev.Seq)
	}
	return wt.sliceChange(key, ep, ev.Seq)
}

// sliceChange sends what ep (nil: deleted) at seq does to its slices.
func (wt *watcher) sliceChange(key string, ep *corev1.Endpoints, seq uint64) error {
	before := wt.slices[key]
	now := map[string]events.Object{}
	var slices []events.Object
	if ep != nil {
		for _, sl := range endpointslices.Of(ep) {
			wt.t.res.SetTypeMeta(sl)
			sl.SetResourceVersion(events.FormatRV(seq))
			if wt.sel.matches(wt.t.res, sl) {
				now[sl.Name] = sl
				slices = append(slices, sl)
			}
		}
	}
	for _, sl := range slices {
		typ := watch.Added
		if _, ok := before[sl.GetName()]; ok {
			typ = watch.Modified
		}
		if err := wt.emit(typ, sl); err != nil {
			return err
		}
	}
	for name, last := range before {
		if _, ok := now[name]; !ok {
			last.SetResourceVersion(events.FormatRV(seq))
			if err := wt.emit(watch.Deleted, last); err != nil {
				return err
			}
		}
	}
	if len(now) == 0 {
		delete(wt.slices, key)
	} else {
		wt.slices[key] = now
	}
	return nil
}
