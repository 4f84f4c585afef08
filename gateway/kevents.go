package gateway

import (
	"net/http"

	"github.com/jetplane/jetplane/controllerrevisions"
	"github.com/jetplane/jetplane/endpointslices"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/kevents"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// derivedEvents replays the log of a namespace (every namespace when "")
// up to the request's revision and derives its Kubernetes Events.
func (s *Server) derivedEvents(r *http.Request, namespace string) ([]events.Object, uint64, error) {
	seq, past, err := s.travel.pastRevision(r)
	if err != nil {
		return nil, 0, err
	}
	if !past {
		if _, seq, err = s.log.Bounds(r.Context()); err != nil {
			return nil, 0, err
		}
	}
	filter := events.FilterSubject("", "")
	// Events of cluster-scoped objects (nodes) are filed in default.
	if namespace != "" && namespace != "default" {
		filter = events.SubjectRoot + ".*." + events.EncodeToken(namespace) + ".>"
	}
	d := kevents.New()
	var out []events.Object
	err = s.log.Replay(r.Context(), filter, 1, seq, func(ev *events.Event, decErr error) error {
		if decErr != nil {
			return nil
		}
		for _, e := range d.Observe(ev) {
			if namespace == "" || e.Namespace == namespace {
				e := e
				out = append(out, &e)
			}
		}
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return out, seq, nil
}

// derived lists the objects of a derived resource in a namespace ("" for
// all) and the revision they stand at.
func (s *Server) derived(r *http.Request, t target) ([]events.Object, uint64, error) {
	switch t.res.Name {
	case "endpointslices":
		return s.derivedSlices(r, t.namespace)
	case "controllerrevisions":
		return s.derivedRevisions(r, t.namespace)
	}
	return s.derivedEvents(r, t.namespace)
}

// derivedSlices is the EndpointSlice view of the Endpoints objects.
func (s *Server) derivedSlices(r *http.Request, namespace string) ([]events.Object, uint64, error) {
	st, seq, err := s.readState(r)
	if err != nil {
		return nil, 0, err
	}
	var out []events.Object
	for _, e := range st.List("endpoints", namespace, nil) {
		if ep, ok := e.Object.(*corev1.Endpoints); ok {
			for _, sl := range endpointslices.Of(ep) {
				out = append(out, sl)
			}
		}
	}
	return out, seq, nil
}

func (s *Server) derivedMatching(r *http.Request, t target, sel selectors) ([]events.Object, uint64, error) {
	all, seq, err := s.derived(r, t)
	if err != nil {
		return nil, 0, err
	}
	var out []events.Object
	for _, o := range all {
		if sel.matches(t.res, o) {
			out = append(out, o)
		}
	}
	return out, seq, nil
}

func (s *Server) getDerived(w http.ResponseWriter, r *http.Request, t target) {
	all, _, err := s.derived(r, t)
	if err != nil {
		writeError(w, err)
		return
	}
	for _, o := range all {
		if o.GetName() == t.name {
			writeObject(w, r, http.StatusOK, t.res, o)
			return
		}
	}
	writeError(w, apierrors.NewNotFound(t.res.GroupResource(), t.name))
}

// derivedRevisions are the ControllerRevisions of the StatefulSets and
// DaemonSets of a namespace, from each one's history up to the request's
// revision.
func (s *Server) derivedRevisions(r *http.Request, namespace string) ([]events.Object, uint64, error) {
	st, seq, err := s.readState(r)
	if err != nil {
		return nil, 0, err
	}
	var out []events.Object
	for _, resource := range []string{"statefulsets", "daemonsets"} {
		res := events.MustLookup(resource)
		for _, e := range st.List(resource, namespace, nil) {
			var states []events.Object
			err := s.log.Replay(r.Context(), events.Subject(resource, e.Namespace, e.Name), 1, seq, func(ev *events.Event, decErr error) error {
				if decErr == nil && !ev.IsDelete() {
					if obj, err := events.DecodeObject(res, ev.Data); err == nil {
						states = append(states, obj)
					}
				}
				return nil
			})
			if err != nil {
				return nil, 0, err
			}
			// Only this incarnation's: a name deleted and made again starts over.
			var mine []events.Object
			for _, o := range states {
				if o.GetUID() == e.Object.GetUID() {
					mine = append(mine, o)
				}
			}
			revs, err := controllerrevisions.Of(mine)
			if err != nil {
				return nil, 0, err
			}
			for _, cr := range revs {
				cr.ResourceVersion = events.FormatRV(e.Seq)
				out = append(out, cr)
			}
		}
	}
	return out, seq, nil
}
