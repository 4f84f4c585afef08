package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/secretenvelope"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/watch"
)

// watchEvent is one line of a watch stream.
type watchEvent struct {
	Type   watch.EventType `json:"type"`
	Object any             `json:"object"`
}

// watcher writes one watch stream.
type watcher struct {
	s       *Server
	w       http.ResponseWriter
	r       *http.Request
	t       target
	sel     selectors
	as      string          // representation of each event's object
	matched map[string]bool // objects last sent as present, by key
	seen    map[string]uint64
	slices  sliceWatch // an EndpointSlice watch's (watch_slices.go)
}

// watch streams the changes of a resource (or of one object) as JSON lines.
// From a resourceVersion it replays the log from the next sequence; without
// one it first sends the current objects, then follows from there.
func (s *Server) watch(w http.ResponseWriter, r *http.Request, t target) {
	sel, err := parseSelectors(r, t.res)
	if err != nil {
		writeError(w, err)
		return
	}
	if t.name != "" {
		// Watching one object is watching its collection by name.
		sel.fields = fields.AndSelectors(sel.fields, fields.OneTermEqualSelector("metadata.name", t.name))
	}
	q := r.URL.Query()
	rv, err := events.ParseRV(q.Get("resourceVersion"))
	if err != nil {
		writeError(w, apierrors.NewBadRequest(err.Error()))
		return
	}
	ctx, cancel := context.WithCancel(r.Context())
	defer cancel()
	defer context.AfterFunc(s.running, cancel)()
	if to := q.Get("timeoutSeconds"); to != "" {
		secs, err := strconv.Atoi(to)
		if err != nil || secs < 0 {
			writeError(w, apierrors.NewBadRequest(fmt.Sprintf("invalid timeoutSeconds %q", to)))
			return
		}
		if secs > 0 {
			var cancel context.CancelFunc
			ctx, cancel = context.WithTimeout(ctx, time.Duration(secs)*time.Second)
			defer cancel()
		}
	}
	initial := q.Get("sendInitialEvents")
	if rv > 0 && initial != "true" {
		first, _, err := s.log.Bounds(ctx)
		if err != nil {
			writeError(w, err)
			return
		}
		if first > rv+1 {
			writeError(w, apierrors.NewResourceExpired(fmt.Sprintf("too old resource version: %d (%d)", rv, first-1)))
			return
		}
	}
	wt := &watcher{s: s, w: w, r: r, t: t, sel: sel, as: representation(r), matched: map[string]bool{}, seen: map[string]uint64{},
		slices: sliceWatch{}}
	slices := t.res.Name == "endpointslices"
	if slices && rv > 0 && initial != "true" {
		// Resuming: what the client holds must be known to send DELETED
		// for slices that go (watch_slices.go), else it lists again.
		if err := wt.resumeSlices(s.proj, rv); err != nil {
			writeError(w, err)
			return
		}
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-cache")
	w.WriteHeader(http.StatusOK)
	flush(w)
	from := rv + 1
	// sendInitialEvents=true (client-go's streaming list, WatchList): the
	// current objects first, whatever the resourceVersion (NotOlderThan is
	// met: the projection is at least there), then a bookmark marking the
	// end of them. Without a resourceVersion, the current objects come
	// first too unless sendInitialEvents=false says not to.
	switch {
	case rv == 0 && initial == "false":
		from = s.proj.LastApplied() + 1
	case rv == 0 || initial == "true":
		current := wt.sendCurrent
		if slices {
			current = wt.sendSlicesCurrent
		}
		last, err := current(s.proj)
		if err != nil {
			return
		}
		from = last + 1
		if initial == "true" && q.Get("allowWatchBookmarks") == "true" {
			if err := wt.emitInitialEventsEnd(last); err != nil {
				return
			}
		}
	}
	filter := events.FilterSubject(t.res.Name, t.namespace)
	send := wt.send
	switch {
	case slices:
		// A slice is named after its Service, not its Endpoints: the name
		// is left to the field selector.
		filter, send = events.FilterSubject("endpoints", t.namespace), wt.sendSlices
	case t.name != "" && (t.namespace != "" || !t.res.Namespaced):
		filter = events.Subject(t.res.Name, t.namespace, t.name)
	}
	err = s.log.Follow(ctx, filter, from, func(ev *events.Event, decErr error) error {
		if decErr != nil {
			return nil
		}
		return send(ev)
	})
	if err != nil && ctx.Err() == nil {
		s.logger.WithError(err).WithField("resource", t.res.Name).Debug("watch ended")
	}
}

func flush(w http.ResponseWriter) {
	if f, ok := w.(http.Flusher); ok {
		f.Flush()
	}
}

// sendCurrent sends ADDED for every matching object and returns the
// sequence to follow from. An object applied after that sequence may be in
// the listing; its own event is then skipped (seen) so it is not sent twice.
func (wt *watcher) sendCurrent(p *projections.Projection) (uint64, error) {
	last := p.LastApplied()
	entries := p.State().List(wt.t.res.Name, wt.t.namespace, nil)
	for _, e := range entries {
		wt.seen[e.Key()] = e.Seq
		obj := copyOf(wt.t.res, e.Object)
		if !wt.sel.matches(wt.t.res, obj) {
			continue
		}
		wt.matched[e.Key()] = true
		if err := wt.emit(watch.Added, obj); err != nil {
			return 0, err
		}
	}
	return last, nil
}

// send turns one log event into at most one watch event. An object that
// starts or stops matching the selectors is ADDED or DELETED, as in
// Kubernetes.
func (wt *watcher) send(ev *events.Event) error {
	key := projections.Key(ev.Namespace, ev.Name)
	if seq, ok := wt.seen[key]; ok && ev.Seq <= seq {
		return nil
	}
	obj, err := events.DecodeObject(wt.t.res, ev.Data)
	if err != nil {
		return nil // not an object of this version: skip, as projections do
	}
	wt.t.res.SetTypeMeta(obj)
	obj.SetResourceVersion(events.FormatRV(ev.Seq))
	now := wt.sel.matches(wt.t.res, obj)
	before, known := wt.matched[key]
	if !known {
		before = now && ev.Change() != events.Created
	}
	var typ watch.EventType
	switch {
	case ev.IsDelete():
		delete(wt.matched, key)
		if !before {
			return nil
		}
		typ = watch.Deleted
	case now && before:
		typ = watch.Modified
	case now:
		typ = watch.Added
	case before:
		typ = watch.Deleted
	default:
		wt.matched[key] = false
		return nil
	}
	if !ev.IsDelete() {
		wt.matched[key] = now
	}
	return wt.emit(typ, obj)
}

// emit writes one event line and flushes it to the client.
func (wt *watcher) emit(typ watch.EventType, obj events.Object) error {
	if sec, ok := obj.(*corev1.Secret); ok && secretenvelope.IsSealed(sec) {
		opened, err := wt.s.opened(wt.r.Context(), obj)
		if err != nil {
			// A deleted Secret's values are shredded with it: its last
			// state goes without them.
			opened = secretenvelope.Stripped(sec)
			wt.t.res.SetTypeMeta(opened)
		}
		obj = opened
	}
	var payload any = obj
	switch wt.as {
	case asTable:
		t, err := table(wt.r, wt.t.res, []events.Object{obj}, obj.GetResourceVersion())
		if err != nil {
			return err
		}
		payload = t
	case asMetadata:
		payload = metadataOf(obj)
	}
	return wt.writeLine(watchEvent{Type: typ, Object: payload})
}

// writeLine writes one event as a JSON line and flushes it to the client.
func (wt *watcher) writeLine(ev watchEvent) error {
	data, err := json.Marshal(ev)
	if err != nil {
		return fmt.Errorf("encode watch event: %w", err)
	}
	if _, err := wt.w.Write(append(data, '\n')); err != nil {
		return errors.Join(errClientGone, err)
	}
	flush(wt.w)
	return nil
}

var errClientGone = errors.New("watch client gone")

// initialEventsEnd is the annotation of the bookmark that ends a streaming
// list's initial events (metav1.InitialEventsAnnotationKey).
const initialEventsEnd = "k8s.io/initial-events-end"

// emitInitialEventsEnd sends the BOOKMARK that tells a streaming list its
// initial events are all there, at resourceVersion last.
func (wt *watcher) emitInitialEventsEnd(last uint64) error {
	obj := wt.t.res.New()
	wt.t.res.SetTypeMeta(obj)
	obj.SetResourceVersion(events.FormatRV(last))
	obj.SetAnnotations(map[string]string{initialEventsEnd: "true"})
	return wt.writeLine(watchEvent{Type: watch.Bookmark, Object: obj})
}
