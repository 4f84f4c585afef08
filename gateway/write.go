package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/jetplane/jetplane/projections"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/rand"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// conflictMessage is Kubernetes' own wording for a stale resourceVersion.
const conflictMessage = "the object has been modified; please apply your changes to the latest version and try again"

func conflict(res events.Resource, name string) error {
	return apierrors.NewConflict(res.GroupResource(), name, errors.New(conflictMessage))
}

// placeIn sets the object's namespace from the path, refusing another one.
func placeIn(t target, obj events.Object) error {
	if !t.res.Namespaced {
		obj.SetNamespace("")
		return nil
	}
	if ns := obj.GetNamespace(); ns != "" && ns != t.namespace {
		return apierrors.NewBadRequest("the namespace of the provided object does not match the namespace sent on the request")
	}
	obj.SetNamespace(t.namespace)
	return nil
}

func (s *Server) create(w http.ResponseWriter, r *http.Request, t target) {
	obj, err := s.prepareCreate(r, t)
	if err != nil {
		writeError(w, err)
		return
	}
	if obj, err = s.createPrepared(r, t, obj); err != nil {
		writeError(w, err)
		return
	}
	addWarnings(w, t.res, obj)
	writeObject(w, r, http.StatusCreated, t.res, obj)
}

// createPrepared appends a prepared new object (a dry run appends
// nothing): AlreadyExists if its name is taken.
func (s *Server) createPrepared(r *http.Request, t target, obj events.Object) (_ events.Object, err error) {
	if isDryRun(r) {
		return obj, nil
	}
	expected, err := s.createExpectation(r, t.res, obj.GetNamespace(), obj.GetName())
	if err != nil {
		return nil, err
	}
	var reserved []string
	if svc, ok := obj.(*corev1.Service); ok {
		if reserved, err = s.allocateService(r.Context(), svc, nil); err != nil {
			return nil, err
		}
		defer func() {
			if err != nil {
				s.releaseKeys(reserved, svc)
			}
		}()
	}
	err = s.writeCreate(r, t.res, obj, expected)
	if errors.Is(err, events.ErrConflict) {
		// The projection may lag another writer: the log itself says whether
		// the name is taken or was deleted since.
		last, lerr := s.log.LastFor(r.Context(), t.res.Name, obj.GetNamespace(), obj.GetName())
		if lerr == nil && last != nil && last.IsDelete() && last.Seq != expected {
			err = s.writeCreate(r, t.res, obj, last.Seq)
		}
	}
	if errors.Is(err, events.ErrConflict) {
		return nil, apierrors.NewAlreadyExists(t.res.GroupResource(), obj.GetName())
	}
	if err != nil {
		return nil, err
	}
	return obj, nil
}

// createExpectation is the sequence a create must expect: 0 for a name never
// used, else the tombstone's. A name live in the projection is checked in the
// log, since another gateway may have deleted it a moment ago.
func (s *Server) createExpectation(r *http.Request, res events.Resource, ns, name string) (uint64, error) {
	e := s.proj.State().Get(res.Name, ns, name)
	switch {
	case e == nil:
		return 0, nil
	case e.Deleted():
		return e.Seq, nil
	}
	last, err := s.log.LastFor(r.Context(), res.Name, ns, name)
	if err != nil {
		return 0, err
	}
	if last != nil && last.IsDelete() {
		return last.Seq, nil
	}
	return 0, apierrors.NewAlreadyExists(res.GroupResource(), name)
}

// prepareCreate decodes, names, defaults and validates a new object.
func (s *Server) prepareCreate(r *http.Request, t target) (events.Object, error) {
	if t.subresource != "" {
		return nil, apierrors.NewMethodNotSupported(t.res.GroupResource(), "create")
	}
	data, err := readBody(r)
	if err != nil {
		return nil, err
	}
	obj, err := decodeObject(r, t.res, data)
	if err != nil {
		return nil, err
	}
	return s.prepareNew(r, t, obj)
}

// prepareNew names, defaults, tracks, validates and admits a new object.
func (s *Server) prepareNew(r *http.Request, t target, obj events.Object) (_ events.Object, err error) {
	if err := placeIn(t, obj); err != nil {
		return nil, err
	}
	if obj.GetName() == "" && obj.GetGenerateName() != "" {
		obj.SetName(obj.GetGenerateName() + rand.String(5))
	}
	if obj.GetName() == "" {
		return nil, apierrors.NewInvalid(t.res.GVK().GroupKind(), "", field.ErrorList{
			field.Required(field.NewPath("metadata", "name"), "name or generateName is required")})
	}
	if t.res.Namespaced && s.proj.State().Live("namespaces", "", t.namespace) == nil {
		s.catchUpLog(r.Context())
	}
	if t.res.Namespaced && s.proj.State().Live("namespaces", "", t.namespace) == nil {
		return nil, apierrors.NewNotFound(events.MustLookup("namespaces").GroupResource(), t.namespace)
	}
	// Status is the system's to report, except for nodes, which register
	// with theirs (as in Kubernetes).
	if hasStatus(t.res) && t.res.Name != "nodes" {
		if obj, err = withField(t.res, obj, t.res.New(), "status"); err != nil {
			return nil, err
		}
	}
	// Identity comes first, as in kube-apiserver: a Job's generated
	// selector names its UID.
	events.PrepareCreate(obj, time.Now())
	apis.Default(t.res, obj)
	if !isApply(r) { // an apply's manager owns what it applied already
		obj = s.track(r, t, nil, obj)
	}
	if errs := apis.Validate(t.res, obj, nil); len(errs) > 0 {
		return nil, apierrors.NewInvalid(t.res.GVK().GroupKind(), obj.GetName(), errs)
	}
	if err := s.admit(r, t.res, nil, obj); err != nil {
		return nil, err
	}
	return obj, nil
}

// write appends one change as the requesting user and waits until the
// gateway's projection has applied it (read-your-writes).
func (s *Server) write(r *http.Request, wr events.Write) (*events.Event, error) {
	ctx := r.Context()
	wr, err := s.sealed(ctx, wr)
	if err != nil {
		return nil, err
	}
	ev, err := s.log.Write(ctx, s.origin(r), wr)
	if err != nil {
		return nil, err
	}
	s.logger.WithFields(logrus.Fields{"key": projections.Key(ev.Namespace, ev.Name), "seq": ev.Seq,
		"type": ev.Type, "actor": ev.Actor}).Debug("appended")
	if err := s.proj.WaitFor(ctx, ev.Seq); err != nil {
		return nil, fmt.Errorf("wait for seq %d: %w", ev.Seq, err)
	}
	return ev, nil
}

// update handles PUT of an object or of its status.
func (s *Server) update(w http.ResponseWriter, r *http.Request, t target) {
	data, err := readBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	obj, err := decodeObject(r, t.res, data)
	if err != nil {
		writeError(w, err)
		return
	}
	if err := placeIn(t, obj); err != nil {
		writeError(w, err)
		return
	}
	if obj.GetName() == "" {
		obj.SetName(t.name)
	} else if obj.GetName() != t.name {
		writeError(w, apierrors.NewBadRequest(fmt.Sprintf(
			"the name of the object (%s) does not match the name on the URL (%s)", obj.GetName(), t.name)))
		return
	}
	if obj.GetResourceVersion() == "" && !unconditionalUpdates(t.res) {
		writeError(w, apierrors.NewInvalid(t.res.GVK().GroupKind(), t.name, field.ErrorList{
			field.Invalid(field.NewPath("metadata", "resourceVersion"), "", "must be specified for an update")}))
		return
	}
	if obj.GetResourceVersion() == "" {
		// Unconditional: the last writer wins, on whatever state is current.
		var stored events.Object
		err := s.retryConflicts(r.Context(), func() error {
			cur := s.proj.State().Live(t.res.Name, t.namespace, t.name)
			if cur == nil {
				return apierrors.NewNotFound(t.res.GroupResource(), t.name)
			}
			var err error
			stored, err = s.commit(r, t, cur, obj.DeepCopyObject().(events.Object))
			return err
		})
		answerUpdate(w, r, t, stored, err)
		return
	}
	s.catchUp(r, obj.GetResourceVersion())
	cur := s.proj.State().Live(t.res.Name, t.namespace, t.name)
	if cur == nil {
		writeError(w, apierrors.NewNotFound(t.res.GroupResource(), t.name))
		return
	}
	stored, err := s.commit(r, t, cur, obj)
	answerUpdate(w, r, t, stored, err)
}

// unconditionalUpdates tells whether a PUT without resourceVersion
// replaces the object, as kube-apiserver's strategies allow for the
// built-in kinds; custom objects and their definitions need one.
func unconditionalUpdates(res events.Resource) bool {
	return !res.Custom && res.Name != "customresourcedefinitions"
}

// answerUpdate answers a replace or a patch: 409 on a conflict, the error,
// or the stored object with its warnings.
func answerUpdate(w http.ResponseWriter, r *http.Request, t target, stored events.Object, err error) {
	if errors.Is(err, events.ErrConflict) {
		err = conflict(t.res, t.name)
	}
	if err != nil {
		writeError(w, err)
		return
	}
	addWarnings(w, t.res, stored)
	writeObject(w, r, http.StatusOK, t.res, stored)
}

// commit turns the desired object into the next state of cur and appends
// it with cur.Seq as the expectation. A resourceVersion on desired that is
// not cur's is a conflict. An update that changes nothing appends nothing.
// A lost race returns an error matching events.ErrConflict.
func (s *Server) commit(r *http.Request, t target, cur *projections.Entry, desired events.Object) (events.Object, error) {
	curRV := events.FormatRV(cur.Seq)
	if rv := desired.GetResourceVersion(); rv != "" && rv != curRV {
		return nil, conflict(t.res, t.name)
	}
	old, err := s.opened(r.Context(), copyOf(t.res, cur.Object))
	if err != nil {
		return nil, err
	}
	next, err := s.merge(t, old, desired)
	if err != nil {
		return nil, err
	}
	apis.Default(t.res, next)
	if !isApply(r) {
		next = s.track(r, t, old, next)
	}
	if errs := apis.Validate(t.res, next, old); len(errs) > 0 {
		return nil, apierrors.NewInvalid(t.res.GVK().GroupKind(), t.name, errs)
	}
	if err := s.admit(r, t.res, old, next); err != nil {
		return nil, err
	}
	next.SetResourceVersion(curRV)
	oldM, err := toMap(old)
	if err != nil {
		return nil, err
	}
	nextM, err := toMap(next)
	if err != nil {
		return nil, err
	}
	if t.subresource == "" && !sameJSON(oldM["spec"], nextM["spec"]) {
		next.SetGeneration(old.GetGeneration() + 1)
		if nextM, err = toMap(next); err != nil {
			return nil, err
		}
	}
	if sameJSON(oldM, nextM) || isDryRun(r) {
		return next, nil
	}
	change := changeOf(t.res, oldM, nextM)
	if t.subresource == "status" {
		change = events.StatusChange
	}
	if svc, ok := next.(*corev1.Service); ok && t.subresource == "" {
		reserved, err := s.allocateService(r.Context(), svc, old.(*corev1.Service))
		if err != nil {
			return nil, err
		}
		if _, err := s.write(r, events.UpdateWrite(t.res, cur.Object, next, change, cur.Seq)); err != nil {
			s.releaseKeys(reserved, svc)
			return nil, err
		}
		return next, nil
	}
	// Emptying the finalizers of an object being deleted deletes it.
	if _, err := s.write(r, events.UpdateWrite(t.res, cur.Object, next, change, cur.Seq)); err != nil {
		return nil, err
	}
	return next, nil
}

// merge keeps what a client may not change: identity, generation and
// timestamps always, status on the main resource, everything but status on
// /status. commit bumps generation when the spec changes.
func (s *Server) merge(t target, old, desired events.Object) (events.Object, error) {
	var next events.Object
	var err error
	switch {
	case t.subresource == "status":
		next, err = withField(t.res, old, desired, "status")
	case hasStatus(t.res):
		next, err = withField(t.res, desired, old, "status")
	default:
		next = desired
	}
	if err != nil {
		return nil, err
	}
	next.SetName(old.GetName())
	next.SetNamespace(old.GetNamespace())
	next.SetUID(old.GetUID())
	next.SetCreationTimestamp(old.GetCreationTimestamp())
	next.SetDeletionTimestamp(old.GetDeletionTimestamp())
	next.SetDeletionGracePeriodSeconds(old.GetDeletionGracePeriodSeconds())
	next.SetGeneration(old.GetGeneration())
	return next, nil
}

// retryConflicts runs fn again on a lost race, as a request without a
// precondition should not fail because someone else wrote first. Before
// each retry the projection catches up with the log, so fn re-reads the
// state that won.
func (s *Server) retryConflicts(ctx context.Context, fn func() error) error {
	var err error
	for range 5 {
		if err = fn(); !errors.Is(err, events.ErrConflict) || ctx.Err() != nil {
			return err
		}
		s.catchUpLog(ctx)
	}
	return err
}

// catchUpLog waits briefly until the projection has applied everything the
// log holds now: before answering "not found" or retrying, state written
// through another gateway becomes visible here.
func (s *Server) catchUpLog(ctx context.Context) {
	_, last, err := s.log.Bounds(ctx)
	if err != nil || last <= s.proj.LastApplied() {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	_ = s.proj.WaitFor(wctx, last)
}

// catchUp waits briefly for the projection to reach a resourceVersion a
// client got from another gateway, so that its update is not refused as
// stale only because this gateway is behind.
func (s *Server) catchUp(r *http.Request, rv string) {
	seq, err := events.ParseRV(rv)
	if err != nil || seq <= s.proj.LastApplied() {
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	_ = s.proj.WaitFor(ctx, seq) // still behind: commit answers 409, as it should
}
