package gateway

import (
	"fmt"
	"net/http"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/jetplane/jetplane/projections"
	corev1 "k8s.io/api/core/v1"
	eventsv1 "k8s.io/api/events/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/fields"
	"k8s.io/apimachinery/pkg/labels"
)

// selectors are a request's label and field selectors.
type selectors struct {
	labels labels.Selector
	fields fields.Selector
}

// parseSelectors reads labelSelector and fieldSelector; a field Jetplane
// cannot select on is a 400, as in Kubernetes.
func parseSelectors(r *http.Request, res events.Resource) (selectors, error) {
	q := r.URL.Query()
	ls, err := labels.Parse(q.Get("labelSelector"))
	if err != nil {
		return selectors{}, apierrors.NewBadRequest(fmt.Sprintf("unable to parse requirement: %v", err))
	}
	fs, err := fields.ParseSelector(q.Get("fieldSelector"))
	if err != nil {
		return selectors{}, apierrors.NewBadRequest(fmt.Sprintf("invalid field selector: %v", err))
	}
	supported := fieldSet(res, res.New())
	for _, req := range fs.Requirements() {
		if _, ok := supported[req.Field]; !ok {
			return selectors{}, apierrors.NewBadRequest(fmt.Sprintf("field label not supported: %s", req.Field))
		}
	}
	return selectors{labels: ls, fields: fs}, nil
}

// fieldSet lists the selectable fields of an object and their values.
func fieldSet(res events.Resource, obj events.Object) fields.Set {
	set := fields.Set{"metadata.name": obj.GetName()}
	if res.Namespaced {
		set["metadata.namespace"] = obj.GetNamespace()
	}
	switch o := obj.(type) {
	case *corev1.Pod:
		set["spec.nodeName"] = o.Spec.NodeName
		set["spec.restartPolicy"] = string(o.Spec.RestartPolicy)
		set["spec.schedulerName"] = o.Spec.SchedulerName
		set["spec.serviceAccountName"] = o.Spec.ServiceAccountName
		set["status.phase"] = string(o.Status.Phase)
		set["status.podIP"] = o.Status.PodIP
		set["status.nominatedNodeName"] = o.Status.NominatedNodeName
	case *corev1.Namespace:
		set["status.phase"] = string(o.Status.Phase)
	case *corev1.Node:
		set["spec.unschedulable"] = fmt.Sprint(o.Spec.Unschedulable)
	case *corev1.Event:
		// The fields kubectl describe selects events by.
		set["involvedObject.kind"] = o.InvolvedObject.Kind
		set["involvedObject.namespace"] = o.InvolvedObject.Namespace
		set["involvedObject.name"] = o.InvolvedObject.Name
		set["involvedObject.uid"] = string(o.InvolvedObject.UID)
		set["involvedObject.apiVersion"] = o.InvolvedObject.APIVersion
		set["involvedObject.resourceVersion"] = o.InvolvedObject.ResourceVersion
		set["involvedObject.fieldPath"] = o.InvolvedObject.FieldPath
		set["reason"] = o.Reason
		set["reportingComponent"] = o.ReportingController
		set["source"] = o.Source.Component
		set["type"] = o.Type
	}
	return set
}

// matches tells whether obj passes both selectors.
func (sel selectors) matches(res events.Resource, obj events.Object) bool {
	if !sel.labels.Matches(labels.Set(obj.GetLabels())) {
		return false
	}
	return sel.fields.Empty() || sel.fields.Matches(fieldSet(res, obj))
}

// consistentRead makes a read see every write the log held when it came
// in, through whichever gateway it was made (Kubernetes' default, for
// resourceVersion ""); resourceVersion "0" accepts this gateway's state as
// it is, and any other value waits until the state is at least that recent.
func (s *Server) consistentRead(r *http.Request) {
	switch rv := r.URL.Query().Get("resourceVersion"); rv {
	case "":
		s.catchUpLog(r.Context())
	case "0":
	default:
		s.catchUp(r, rv)
	}
}

func (s *Server) get(w http.ResponseWriter, r *http.Request, t target) {
	if t.res.Derived {
		s.getDerived(w, r, t)
		return
	}
	st, _, err := s.readState(r)
	if err != nil {
		writeError(w, err)
		return
	}
	e := st.Live(t.res.Name, t.namespace, t.name)
	if e == nil && t.res.Name == "events" {
		// Written through events.k8s.io, or derived from the log.
		if v1 := st.Live("events.events.k8s.io", t.namespace, t.name); v1 != nil {
			if ev, ok := v1.Object.(*eventsv1.Event); ok {
				writeObject(w, r, http.StatusOK, t.res, apis.CoreEvent(ev))
				return
			}
		}
		s.getDerived(w, r, t)
		return
	}
	if e == nil {
		writeError(w, apierrors.NewNotFound(t.res.GroupResource(), t.name))
		return
	}
	obj := copyOf(t.res, e.Object)
	withQuotaStatus(st, obj)
	if obj, err = s.presented(r, st, obj); err != nil {
		writeError(w, err)
		return
	}
	writeObject(w, r, http.StatusOK, t.res, obj)
}

// matching returns copies of the live objects a request selects and the
// sequence the listing is consistent with.
func (s *Server) matching(r *http.Request, t target) ([]events.Object, uint64, error) {
	sel, err := parseSelectors(r, t.res)
	if err != nil {
		return nil, 0, err
	}
	if t.res.Derived {
		return s.derivedMatching(r, t, sel)
	}
	st, last, err := s.readState(r)
	if err != nil {
		return nil, 0, err
	}
	var entries []*projections.Entry
	if sel.labels.Empty() {
		entries = st.List(t.res.Name, t.namespace, nil)
	} else {
		entries = st.List(t.res.Name, t.namespace, sel.labels)
	}
	objs := make([]events.Object, 0, len(entries))
	for _, e := range entries {
		if sel.matches(t.res, e.Object) {
			obj := copyOf(t.res, e.Object)
			withQuotaStatus(st, obj)
			if obj, err = s.presented(r, st, obj); err != nil {
				return nil, 0, err
			}
			objs = append(objs, obj)
		}
	}
	if t.res.Name == "events" {
		// Beside the Events clients wrote, those written through
		// events.k8s.io and those derived from the log.
		for _, e := range st.List("events.events.k8s.io", t.namespace, sel.labels) {
			if ev, ok := e.Object.(*eventsv1.Event); ok {
				if core := apis.CoreEvent(ev); sel.matches(t.res, core) {
					objs = append(objs, core)
				}
			}
		}
		derived, _, err := s.derivedMatching(r, t, sel)
		if err != nil {
			return nil, 0, err
		}
		objs = append(objs, derived...)
	}
	return objs, last, nil
}

func (s *Server) list(w http.ResponseWriter, r *http.Request, t target) {
	p, err := pageOf(r)
	if err != nil {
		writeError(w, err)
		return
	}
	objs, last, err := s.matching(r, t)
	if err != nil {
		writeError(w, err)
		return
	}
	objs, cont, remaining := p.cut(objs, last)
	rv := events.FormatRV(last)
	switch representation(r) {
	case asMetadata:
		l := metadataList(objs, rv)
		setPage(l, cont, remaining)
		writeJSON(w, http.StatusOK, l)
		return
	case asTable:
		// A list of the past shows ages as they were then.
		tbl, err := tableAt(r, t.res, objs, rv, s.listedAt(r, last))
		if err != nil {
			writeError(w, err)
			return
		}
		tbl.Continue, tbl.RemainingItemCount = cont, remaining
		writeJSON(w, http.StatusOK, tbl)
		return
	}
	list, err := listOf(t.res, objs, rv)
	if err != nil {
		writeError(w, err)
		return
	}
	setPage(list, cont, remaining)
	writeJSON(w, http.StatusOK, list)
}

// presented is obj as an answer shows it: a Secret of the present opened,
// one of the past (time travel) with keys and digests only.
func (s *Server) presented(r *http.Request, st *projections.State, obj events.Object) (events.Object, error) {
	if _, ok := obj.(*corev1.Secret); !ok {
		return obj, nil
	}
	if st != s.proj.State() {
		return s.pastSecret(r.Context(), obj), nil
	}
	return s.opened(r.Context(), obj)
}
