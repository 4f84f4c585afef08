package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/secretenvelope"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// deleteOptions reads DeleteOptions from the body and the query.
func deleteOptions(r *http.Request) (metav1.DeleteOptions, error) {
	var opts metav1.DeleteOptions
	body, err := readBody(r)
	if err != nil {
		return opts, err
	}
	if err := decodeBody(r, body, &opts, decoding{what: "invalid DeleteOptions", optional: true}); err != nil {
		return opts, err
	}
	q := r.URL.Query()
	if g := q.Get("gracePeriodSeconds"); g != "" && opts.GracePeriodSeconds == nil {
		n, err := strconv.ParseInt(g, 10, 64)
		if err != nil {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("invalid gracePeriodSeconds %q", g))
		}
		opts.GracePeriodSeconds = &n
	}
	if p := q.Get("propagationPolicy"); p != "" && opts.PropagationPolicy == nil {
		policy := metav1.DeletionPropagation(p)
		opts.PropagationPolicy = &policy
	}
	if o := q.Get("orphanDependents"); o != "" && opts.OrphanDependents == nil {
		orphan, err := strconv.ParseBool(o)
		if err != nil {
			return opts, apierrors.NewBadRequest(fmt.Sprintf("invalid orphanDependents %q", o))
		}
		opts.OrphanDependents = &orphan
	}
	return opts, nil
}

// delete removes one object through events.PropagatedDeleteWrite: bound
// pods become terminating; with propagationPolicy Orphan or Foreground (or
// any finalizer) the object is only marked until garbage collection has
// dealt with its dependents; everything else is deleted with its last state.
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
	if warning := defaultOrphanWarning(t.res, opts); warning != "" {
		w.Header().Add("Warning", fmt.Sprintf("299 - %q", warning))
	}
	if t.res.Name == "customresourcedefinitions" && !isDryRun(r) {
		// Its objects go only if the definition itself may: it is there and
		// the preconditions hold.
		if err := s.deletable(t, opts); err != nil {
			writeError(w, err)
			return
		}
		if err := s.deleteCustomObjects(r, t.name); err != nil {
			writeError(w, err)
			return
		}
	}
	obj, err := s.deleteOne(r, t.res, t.namespace, t.name, opts)
	if err != nil {
		writeError(w, err)
		return
	}
	writeObject(w, r, http.StatusOK, t.res, obj)
}

// deletable checks, before a delete does anything else, that the object is
// there and that the request's preconditions hold.
func (s *Server) deletable(t target, opts metav1.DeleteOptions) error {
	cur := s.proj.State().Live(t.res.Name, t.namespace, t.name)
	if cur == nil {
		return apierrors.NewNotFound(t.res.GroupResource(), t.name)
	}
	if p := opts.Preconditions; p != nil {
		if p.UID != nil && *p.UID != cur.Object.GetUID() || p.ResourceVersion != nil && *p.ResourceVersion != events.FormatRV(cur.Seq) {
			return apierrors.NewConflict(t.res.GroupResource(), t.name, fmt.Errorf("the preconditions of the delete do not hold"))
		}
	}
	return nil
}

// deleteCustomObjects deletes every object of a definition's kind before
// the definition (kube-apiserver's customresourcecleanup): its name is
// the kind's resource name, plural.group.
func (s *Server) deleteCustomObjects(r *http.Request, crdName string) error {
	res, ok := events.Lookup(crdName)
	if !ok || !res.Custom {
		return nil
	}
	for _, e := range s.proj.State().List(res.Name, "", nil) {
		if _, err := s.deleteOne(r, res, e.Namespace, e.Name, metav1.DeleteOptions{}); err != nil && !apierrors.IsNotFound(err) {
			return fmt.Errorf("delete %s %s: %w", res.Kind, e.Key(), err)
		}
	}
	return nil
}

// deleteOne deletes (or starts terminating) one object and returns it as
// it stands after the delete event.
func (s *Server) deleteOne(r *http.Request, res events.Resource, ns, name string, opts metav1.DeleteOptions) (events.Object, error) {
	grace := int64(-1)
	if opts.GracePeriodSeconds != nil {
		grace = *opts.GracePeriodSeconds
	}
	policy, err := propagationOf(res, opts)
	if err != nil {
		return nil, err
	}
	var out events.Object
	err = s.retryConflicts(r.Context(), func() error {
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
		wr := events.PropagatedDeleteWrite(res, obj, cur.Seq, grace, policy, time.Now())
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
		if sec, ok := obj.(*corev1.Secret); ok && wr.Change == events.Deleted {
			if err := s.secretKeys.shred(r.Context(), sec.UID); err != nil {
				// The sweep (secrets_sweep.go) destroys it later.
				s.logger.WithFields(logrus.Fields{"key": ns + "/" + name}).WithError(err).Warn("data key not destroyed yet")
			}
		}
		out = obj
		return nil
	})
	if sec, ok := out.(*corev1.Secret); ok && err == nil && secretenvelope.IsSealed(sec) {
		// The answer shows a Secret opened, or without its values once
		// they are shredded.
		var openErr error
		if out, openErr = s.opened(r.Context(), sec); openErr != nil {
			out = secretenvelope.Stripped(sec)
			res.SetTypeMeta(out)
		}
	}
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

// orphanByDefault are the kinds whose dependents are orphaned when a delete
// names no policy, as Kubernetes keeps it for v1 ReplicationControllers and
// batch/v1 Jobs; every other kind deletes them in the background.
var orphanByDefault = map[string]bool{"replicationcontrollers": true, "jobs": true}

var propagationPolicies = []string{string(metav1.DeletePropagationOrphan), string(metav1.DeletePropagationBackground),
	string(metav1.DeletePropagationForeground)}

// propagationOf is the garbage collection policy of a delete: its
// propagationPolicy, or the deprecated orphanDependents, or the kind's
// default. "" is background.
func propagationOf(res events.Resource, opts metav1.DeleteOptions) (metav1.DeletionPropagation, error) {
	invalid := func(errs ...*field.Error) error {
		return apierrors.NewInvalid(schema.GroupKind{Group: metav1.GroupName, Kind: "DeleteOptions"}, "", errs)
	}
	switch p := opts.PropagationPolicy; {
	case p != nil && opts.OrphanDependents != nil:
		return "", invalid(field.Invalid(field.NewPath("orphanDependents"), *opts.OrphanDependents,
			"orphanDependents and deletionPropagation cannot be both set"))
	case p != nil && !slices.Contains(propagationPolicies, string(*p)):
		return "", invalid(field.NotSupported(field.NewPath("propagationPolicy"), *p, propagationPolicies))
	case p != nil:
		return *p, nil
	case opts.OrphanDependents != nil && *opts.OrphanDependents:
		return metav1.DeletePropagationOrphan, nil
	case opts.OrphanDependents != nil:
		return metav1.DeletePropagationBackground, nil
	case orphanByDefault[res.Name]:
		return metav1.DeletePropagationOrphan, nil
	}
	return "", nil
}

// defaultOrphanWarning is Kubernetes' warning for a Job deleted without a
// policy: its pods stay.
func defaultOrphanWarning(res events.Resource, opts metav1.DeleteOptions) string {
	if res.Name != "jobs" || opts.PropagationPolicy != nil || opts.OrphanDependents != nil {
		return ""
	}
	return "child pods are preserved by default when jobs are deleted; set propagationPolicy=Background to remove them or set propagationPolicy=Orphan to suppress this warning"
}
