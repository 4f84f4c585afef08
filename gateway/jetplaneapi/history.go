package jetplaneapi

import (
	"encoding/json"
	"time"

	"github.com/jetplane/jetplane/events"
)

// Revision is one change of an object as the log recorded it.
type Revision struct {
	Revision        int       `json:"revision"` // 1 for the object's first event
	ResourceVersion string    `json:"resourceVersion"`
	Time            time.Time `json:"time"`
	Actor           string    `json:"actor"`
	Type            string    `json:"type"`
	Change          string    `json:"change"`
	Source          string    `json:"source"`
	EventID         string    `json:"eventID"`
	CorrelationID   string    `json:"correlationID,omitempty"`
	// Summary says in one line what changed ("replicas 3 → 6"); StatusOnly
	// marks a write that moved only status; Manager is the field manager
	// whose managedFields entry it touched.
	Summary    string `json:"summary,omitempty"`
	StatusOnly bool   `json:"statusOnly,omitempty"`
	Manager    string `json:"manager,omitempty"`
	// Object is the object after the change (null for a deletion that
	// carried none); only with ?objects=true.
	Object json.RawMessage `json:"object,omitempty"`
}

// History is the answer of a history request.
type History struct {
	Kind      string     `json:"kind"` // "History"
	Resource  string     `json:"resource"`
	Namespace string     `json:"namespace,omitempty"`
	Name      string     `json:"name"`
	Revisions []Revision `json:"revisions"`
	// Sessions of a pod: who entered it (exec, port-forward), what they
	// ran, when, and how it ended.
	Sessions []events.PodSessionRecord `json:"sessions,omitempty"`
	// With ?diff=A,B: the change from revision A to revision B.
	Diff *RevisionDiff `json:"diff,omitempty"`
}

// RevisionDiff compares two revisions of one object.
type RevisionDiff struct {
	From, To int
	// MergePatch turns revision From into revision To (RFC 7386).
	MergePatch json.RawMessage `json:"mergePatch"`
	// FromYAML and ToYAML are the two versions, for a line diff.
	FromYAML string `json:"fromYAML"`
	ToYAML   string `json:"toYAML"`
}

// Horizon is the retention policy and what the log holds under it.
type Horizon struct {
	Kind          string    `json:"kind"` // "Horizon"
	FirstRevision uint64    `json:"firstRevision"`
	FirstTime     time.Time `json:"firstTime,omitzero"`
	LastRevision  uint64    `json:"lastRevision"`
	LastTime      time.Time `json:"lastTime,omitzero"`
	Events        uint64    `json:"events"`
	Bytes         uint64    `json:"bytes"`
	// Retention: zero keeps everything (the default).
	MaxAge   string `json:"maxAge"`
	MaxBytes int64  `json:"maxBytes"`
	// Complete: the log still starts at revision 1, so every past state
	// can be rebuilt.
	Complete bool `json:"complete"`
}
