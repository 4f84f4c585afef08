package events

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/google/uuid"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// Origin says who writes: the service instance and the identity acting.
type Origin struct {
	Source string // "jetplane/<service>/<instance>"
	Actor  string // user name or service identity
	// Impersonator: the authenticated user acting as Actor, if any.
	Impersonator string
	// FieldManager: the request's field manager (fieldManager, or the
	// client's name), for writes through the API.
	FieldManager string
}

// ServiceOrigin is how a Jetplane service signs its events: source
// "jetplane/<service>/<instance>", actor "system:jetplane:<service>".
func ServiceOrigin(service, instance string) Origin {
	return Origin{Source: "jetplane/" + service + "/" + instance, Actor: "system:jetplane:" + service}
}

// Cause links an event to the one that led to it (audit trail).
type Cause struct {
	CorrelationID string
	CausationID   string
}

// CauseOf makes the cause for events that react to e: same correlation, e as cause.
func CauseOf(e *Event) Cause {
	if e == nil {
		return Cause{}
	}
	return CauseOfEvent(e.ID, e.CorrelationID)
}

// CauseOfEvent is CauseOf for an event known by its id and correlation (a
// projection entry's latest event): a change nobody caused correlates as
// itself.
func CauseOfEvent(id, correlationID string) Cause {
	if correlationID == "" {
		correlationID = id
	}
	return Cause{CorrelationID: correlationID, CausationID: id}
}

// Write is one intended change of one object.
type Write struct {
	Resource Resource
	Change   string // created, updated, deleted, scaled, scheduled...
	Object   Object // full object after the change
	Expected uint64 // resourceVersion decided from; 0 = must not exist yet
	Cause    Cause
}

// NewEvent builds the event for w. The stored object carries no
// resourceVersion: the event's own sequence is its resourceVersion.
func NewEvent(o Origin, w Write, now time.Time) (*Event, error) {
	w.Resource.SetTypeMeta(w.Object)
	rv := w.Object.GetResourceVersion()
	w.Object.SetResourceVersion("")
	data, err := json.Marshal(w.Object)
	w.Object.SetResourceVersion(rv)
	if err != nil {
		return nil, fmt.Errorf("encode %s %s: %w", w.Resource.Kind, w.Object.GetName(), err)
	}
	ns := w.Object.GetNamespace()
	if !w.Resource.Namespaced {
		ns = ""
	}
	id, corr := uuid.NewString(), w.Cause.CorrelationID
	if corr == "" {
		// A change nobody caused starts its own story: what it causes
		// carries its id, and so does it, so one filter finds them all.
		corr = id
	}
	return &Event{
		ID:            id,
		Source:        o.Source,
		Type:          TypeOf(w.Resource, w.Change),
		Time:          now.UTC(),
		Actor:         o.Actor,
		Impersonator:  o.Impersonator,
		FieldManager:  o.FieldManager,
		CorrelationID: corr,
		CausationID:   w.Cause.CausationID,
		Resource:      w.Resource.Name,
		Namespace:     ns,
		Name:          w.Object.GetName(),
		Data:          data,
	}, nil
}

// PrepareCreate fills what the system assigns when an object is created.
func PrepareCreate(obj metav1.Object, now time.Time) {
	obj.SetUID(types.UID(uuid.NewString()))
	obj.SetCreationTimestamp(metav1.NewTime(now.UTC().Truncate(time.Second)))
	obj.SetGeneration(1)
	obj.SetResourceVersion("")
	obj.SetDeletionTimestamp(nil)
}

// FormatRV renders a sequence as a resourceVersion.
func FormatRV(seq uint64) string { return fmt.Sprint(seq) }

// ParseRV reads a resourceVersion; "" and "0" are 0.
func ParseRV(rv string) (uint64, error) {
	if rv == "" {
		return 0, nil
	}
	var seq uint64
	if _, err := fmt.Sscan(rv, &seq); err != nil || FormatRV(seq) != rv {
		return 0, fmt.Errorf("resourceVersion %q is not a sequence number", rv)
	}
	return seq, nil
}
