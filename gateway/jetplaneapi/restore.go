package jetplaneapi

// RestoreRequest asks to bring objects back to their state at a revision.
type RestoreRequest struct {
	ToRevision uint64 `json:"toRevision,omitempty"`
	// ToTime (RFC 3339), instead of ToRevision: the state after every
	// event the log received up to then.
	ToTime    string `json:"toTime,omitempty"`
	Namespace string `json:"namespace,omitempty"` // only this namespace
	DryRun    bool   `json:"dryRun,omitempty"`    // say what would change, change nothing
}

// RestoreChange is one compensating change, as planned or as written.
type RestoreChange struct {
	Action          string `json:"action"` // create, update, delete
	Resource        string `json:"resource"`
	Namespace       string `json:"namespace,omitempty"`
	Name            string `json:"name"`
	ResourceVersion string `json:"resourceVersion,omitempty"` // of the written event
}

// RestoreResult says what a restore did (or would do). Every event it wrote
// carries CorrelationID and the requesting user as actor; restoring to
// UndoRevision undoes it.
type RestoreResult struct {
	Kind          string          `json:"kind"` // "RestoreResult"
	ToRevision    uint64          `json:"toRevision"`
	DryRun        bool            `json:"dryRun"`
	CorrelationID string          `json:"correlationID,omitempty"`
	UndoRevision  uint64          `json:"undoRevision"`
	Changes       []RestoreChange `json:"changes"`
}
