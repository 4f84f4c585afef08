package gateway

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/jetplane/jetplane/events"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// deleteOptions reads DeleteOptions from the body and the query.
func deleteOptions(r *http.Request) (metav1.DeleteOptions, error) {
	var opts metav1.DeleteOptions
	body, err := readBody(r)
	if err != nil {
		return opts, err
	}
	if len(body) > 0 {
		if err := json.Unmarshal(body, &opts); err != nil {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("invalid DeleteOptions: %v", err))
		}
	}
	if g := r.URL.Query().Get("gracePeriodSeconds"); g != "" && opts.GracePeriodSeconds == nil {
		n, err := strconv.ParseInt(g, 10, 64)
		if err != nil {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("invalid gracePeriodSeconds %q", g))
		}
		opts.GracePeriodSeconds = &n
	}
	return opts, nil
}

// delete removes one object through events.DeleteWrite: bound pods become
// terminating, everything else is deleted with its last state.
func (s *Server) delete(w http.ResponseWriter, r *http.Request, t target) {
	if t.res.Name == "namespaces" && slices.Contains(protectedNamespaces, t.name) {
		writeError(w, apierrors.NewForbidden(t.res.GroupResource(), t.name, errors.New("this namespace may not be deleted")))
		return
	}
	opts, err := deleteOptions(r)
	if err != nil {
		writeError(w, err)
		return
	}
	obj, err := s.deleteOne(r, t.res, t.namespace, t.name, opts)
	if err != nil {
		writeError(w, err)
		return
	}
	writeObject(w, r, http.StatusOK, t.res, obj)
}

// deleteOne deletes (or starts terminating) one object and returns it as
// it stands after the delete event.
func (s *Server) deleteOne(r *http.Request, res events.Resource, ns, name string, opts metav1.DeleteOptions) (events.Object, error) {
	grace := int64(-1)
	if opts.GracePeriodSeconds != nil {
		grace = *opts.GracePeriodSeconds
	}
	var out events.Object
	err := s.retryConflicts(r.Context(), func() error {
		cur := s.proj.State().Live(res.Name, ns, name)
		if cur == nil {
			return apierrors.NewNotFound(res.GroupResource(), name)
		}
		if p := opts.Preconditions; p != nil {
			if p.UID != nil && *p.UID != cur.Object.GetUID() {
				return apierrors.NewConflict(res.GroupResource(), name, fmt.Errorf(
					"Precondition failed: UID in precondition: %v, UID in object meta: %v", *p.UID, cur.Object.GetUID()))
			}
			if p.ResourceVersion != nil && *p.ResourceVersion != events.FormatRV(cur.Seq) {
				return apierrors.NewConflict(res.GroupResource(), name, fmt.Errorf(
					"Precondition failed: ResourceVersion in precondition: %v, ResourceVersion in object meta: %v",
					*p.ResourceVersion, cur.Seq))
			}
		}
		obj := copyOf(res, cur.Object)
		wr := events.DeleteWrite(res, obj, cur.Seq, grace, time.Now())
		if isDryRun(r) {
			out = obj
			return nil
		}
		if wr.Change != events.Deleted && sameJSON(obj, cur.Object) {
			out = obj // already terminating with this grace period
			return nil
		}
		if _, err := s.write(r, wr); err != nil {
			return err
		}
		out = obj
		return nil
	})
	if errors.Is(err, events.ErrConflict) {
		err = conflict(res, name)
	}
	return out, err
}

// deleteCollection deletes every object the selectors match and answers
// with the list of them.
func (s *Server) deleteCollection(w http.ResponseWriter, r *http.Request, t target) {
	opts, err := deleteOptions(r)
	if err != nil {
		writeError(w, err)
		return
	}
	objs, _, err := s.matching(r, t)
	if err != nil {
		writeError(w, err)
		return
	}
	deleted := make([]events.Object, 0, len(objs))
	for _, o := range objs {
		if t.res.Name == "namespaces" && slices.Contains(protectedNamespaces, o.GetName()) {
			continue
		}
		obj, err := s.deleteOne(r, t.res, o.GetNamespace(), o.GetName(), opts)
		if apierrors.IsNotFound(err) {
			continue
		}
		if err != nil {
			writeError(w, err)
			return
		}
		deleted = append(deleted, obj)
	}
	list, err := listOf(t.res, deleted, events.FormatRV(s.proj.LastApplied()))
	if err != nil {
		writeError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, list)
}
