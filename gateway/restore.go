package gateway

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/google/uuid"
	"github.com/jetplane/jetplane/authz"
	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	"github.com/jetplane/jetplane/gateway/restore"
	"github.com/jetplane/jetplane/projections"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
	"k8s.io/apimachinery/pkg/types"
)

// restore writes the compensating changes that bring the objects back to
// their state at a past revision (or, dry, lists them), all under one
// correlation id, so that the restore is one audit trail and can be undone.
func (a *jetplaneAPI) restore(w http.ResponseWriter, r *http.Request) {
	gr := schema.GroupResource{Group: jetplaneapi.Group, Resource: "restore"}
	if r.Method != http.MethodPost {
		writeError(w, apierrors.NewMethodNotSupported(gr, r.Method))
		return
	}
	body, err := readBody(r)
	if err != nil {
		writeError(w, err)
		return
	}
	var req jetplaneapi.RestoreRequest
	if err := decodeBody(r, body, &req, decoding{what: "restore request"}); err != nil {
		writeError(w, err)
		return
	}
	if req.ToTime != "" {
		t, err := time.Parse(time.RFC3339Nano, req.ToTime)
		if err != nil || req.ToRevision != 0 {
			writeError(w, apierrors.NewBadRequest(fmt.Sprintf("toTime: want an RFC 3339 time, without toRevision, got %q", req.ToTime)))
			return
		}
		next, err := a.log.SeqAt(r.Context(), t.Add(time.Nanosecond))
		if err != nil {
			writeError(w, err)
			return
		}
		req.ToRevision = next - 1
	}
	if req.ToRevision == 0 {
		writeError(w, apierrors.NewBadRequest("toRevision: required, a resourceVersion greater than 0 (or toTime after the first event)"))
		return
	}
	a.catchUpLog(r.Context())
	past, err := a.travel.stateAt(r.Context(), req.ToRevision)
	if err != nil {
		writeError(w, err)
		return
	}
	now := a.proj.State()
	res := jetplaneapi.RestoreResult{Kind: "RestoreResult", ToRevision: req.ToRevision, DryRun: req.DryRun,
		UndoRevision: now.LastApplied(), Changes: []jetplaneapi.RestoreChange{}}
	changes := restore.Decide(restoreInput(past, now, req.Namespace))
	if req.DryRun {
		for _, ch := range changes {
			res.Changes = append(res.Changes, jetplaneapi.RestoreChange{Action: string(ch.Action), Resource: ch.Key.Resource,
				Namespace: ch.Key.Namespace, Name: ch.Key.Name})
		}
		writeJSON(w, http.StatusOK, res)
		return
	}
	// Every change is one the user may make and admission lets through, or
	// nothing is written: a restore is no way around RBAC or PodSecurity.
	for _, ch := range changes {
		if err := a.check(r, now, ch); err != nil {
			writeError(w, err)
			return
		}
	}
	res.CorrelationID = uuid.NewString()
	cause := events.Cause{CorrelationID: res.CorrelationID}
	for _, ch := range changes {
		rc := jetplaneapi.RestoreChange{Action: string(ch.Action), Resource: ch.Key.Resource, Namespace: ch.Key.Namespace, Name: ch.Key.Name}
		ev, err := a.write(r, restoreWrite(ch, cause))
		if errors.Is(err, events.ErrConflict) {
			// Someone changed the object meanwhile: stop, say how far it went.
			err = apierrors.NewConflict(gr, rc.Name, fmt.Errorf("%s %s changed during the restore after %d of %d changes",
				rc.Resource, projections.Key(rc.Namespace, rc.Name), len(res.Changes), len(changes)))
		}
		if err != nil {
			writeError(w, err)
			return
		}
		rc.ResourceVersion = events.FormatRV(ev.Seq)
		res.Changes = append(res.Changes, rc)
	}
	a.logger.WithFields(map[string]any{"toRevision": req.ToRevision, "changes": len(changes),
		"correlationid": res.CorrelationID, "actor": userOf(r.Context())}).Info("restored")
	writeJSON(w, http.StatusOK, res)
}

// restoreInput gathers the past and present objects of every resource.
func restoreInput(past, now *projections.State, namespace string) restore.Input {
	in := restore.Input{Past: map[restore.Key]events.Object{}, Now: map[restore.Key]restore.Current{},
		Tombstones: map[restore.Key]uint64{}, Namespace: namespace}
	for _, r := range events.Resources() {
		for _, e := range past.List(r.Name, "", nil) {
			in.Past[restore.Key{Resource: r.Name, Namespace: e.Namespace, Name: e.Name}] = e.Object
		}
		for _, e := range now.List(r.Name, "", nil) {
			in.Now[restore.Key{Resource: r.Name, Namespace: e.Namespace, Name: e.Name}] = restore.Current{Object: e.Object, Seq: e.Seq}
		}
	}
	for k := range in.Past {
		if _, live := in.Now[k]; !live {
			if e := now.Get(k.Resource, k.Namespace, k.Name); e != nil {
				in.Tombstones[k] = e.Seq
			}
		}
	}
	return in
}

// check authorizes one change of a restore for the requesting user and runs
// admission on what it writes.
func (a *jetplaneAPI) check(r *http.Request, now *projections.State, ch restore.Change) error {
	res := events.MustLookup(ch.Key.Resource)
	attrs := authz.Attributes{Verb: string(ch.Action), APIGroup: res.Group, Resource: res.Name,
		Namespace: ch.Key.Namespace, Name: ch.Key.Name, ResourceRequest: true}
	if err := a.authorize(r, attrs); err != nil {
		return err
	}
	if ch.Action == restore.Delete {
		return nil
	}
	var old events.Object
	if cur := now.Live(res.Name, ch.Key.Namespace, ch.Key.Name); cur != nil {
		old = cur.Object
	}
	return a.admit(r, res, old, ch.Object)
}

func restoreWrite(ch restore.Change, cause events.Cause) events.Write {
	res := events.MustLookup(ch.Key.Resource)
	var w events.Write
	switch ch.Action {
	case restore.Create:
		if res.Name == "serviceaccounts" {
			// A ServiceAccount brought back is a new one: the tokens of the
			// one deleted, revoked with it, stay revoked (they name its uid).
			ch.Object.SetUID(types.UID(uuid.NewString()))
		}
		w = events.Write{Resource: res, Change: events.Created, Object: ch.Object, Expected: ch.Expected}
	case restore.Update:
		w = events.Write{Resource: res, Change: events.Updated, Object: ch.Object, Expected: ch.Expected}
	default:
		w = events.DeleteWrite(res, ch.Object, ch.Expected, -1, time.Now())
	}
	w.Cause = cause
	return w
}
