package events

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// Typed errors of the log. Match them with errors.Is.
var (
	// ErrConflict: the subject's last sequence was not the expected one.
	ErrConflict = errors.New("conflict: object changed since it was read")
	// ErrBadSubject: a subject outside the jetplane.ev.<r>.<ns>.<name> shape.
	ErrBadSubject = errors.New("not a jetplane event subject")
	// ErrBadEvent: a message that is not a valid Jetplane CloudEvent.
	ErrBadEvent = errors.New("not a valid jetplane event")
	// ErrReportRejected: the control plane refused a node's report (it
	// may not write that object, or not that change of it).
	ErrReportRejected = errors.New("node report rejected")
	// ErrUnavailable: no control plane answered a node's report (not up
	// yet, or gone); the report may be sent again.
	ErrUnavailable = errors.New("control plane unavailable")
	// ErrHistoryTrimmed: a sequence older than the oldest one the stream keeps.
	ErrHistoryTrimmed = errors.New("history before this sequence was trimmed")
)

// Common changes; a resource may use others ("scaled", "scheduled", "ready").
const (
	Created = "created"
	Updated = "updated"
	Deleted = "deleted"
)

// TypePrefix begins every event type: dev.jetplane.<singular>.<change>.
const TypePrefix = "dev.jetplane."

// Event is one CloudEvent of the log.
type Event struct {
	ID     string
	Source string // service and instance, e.g. "jetplane/gateway/host-1"
	Type   string // dev.jetplane.<singular>.<change>
	Time   time.Time
	Actor  string // identity that caused the change
	// Impersonator is the authenticated user who acted as Actor
	// (impersonation), as Kubernetes' audit keeps both; empty otherwise.
	Impersonator string
	// FieldManager is the field manager of a write through the API
	// ("kubectl-client-side-apply", "helm"); empty for the services'.
	FieldManager  string
	CorrelationID string
	CausationID   string

	Resource  string // plural, from the subject
	Namespace string
	Name      string

	Data []byte // the full object after the change, Kubernetes JSON
	Seq  uint64 // stream sequence; zero until appended
}

// TypeOf builds the event type for a change of a resource.
func TypeOf(r Resource, change string) string {
	return TypePrefix + r.Singular + "." + change
}

// Change is the last segment of the type: "created", "scaled", ...
func (e *Event) Change() string {
	if i := strings.LastIndexByte(e.Type, '.'); i >= 0 {
		return e.Type[i+1:]
	}
	return e.Type
}

// IsDelete tells whether the event removes its object.
func (e *Event) IsDelete() bool { return e.Change() == Deleted }

// CESubject is the CloudEvents subject: "<namespace>/<name>" or "<name>".
func (e *Event) CESubject() string {
	if e.Namespace == "" {
		return e.Name
	}
	return e.Namespace + "/" + e.Name
}

// NATSSubject is where the event is stored.
func (e *Event) NATSSubject() string { return Subject(e.Resource, e.Namespace, e.Name) }

func (e *Event) validate() error {
	switch {
	case e.ID == "":
		return fmt.Errorf("%w: missing id", ErrBadEvent)
	case e.Source == "":
		return fmt.Errorf("%w: missing source", ErrBadEvent)
	case !strings.HasPrefix(e.Type, TypePrefix):
		return fmt.Errorf("%w: type %q", ErrBadEvent, e.Type)
	case e.Resource == "" || e.Name == "":
		return fmt.Errorf("%w: missing resource or name", ErrBadEvent)
	}
	return nil
}

// ConflictError says which subject moved on. It matches ErrConflict.
type ConflictError struct {
	Subject  string
	Expected uint64
}

func (c *ConflictError) Error() string {
	return fmt.Sprintf("%s: expected last sequence %d: %v", c.Subject, c.Expected, ErrConflict)
}

// Is makes errors.Is(err, ErrConflict) true.
func (c *ConflictError) Is(target error) bool { return target == ErrConflict }
