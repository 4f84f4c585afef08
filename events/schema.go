package events

import "fmt"

// SchemaVersion is the version of the event envelope this code writes, in
// the "schemaversion" CloudEvents extension. Events written by an older
// Jetplane are upcast on decode, so history keeps replaying as the format
// moves on; an event from a newer Jetplane is refused rather than misread.
const SchemaVersion = 1

// HeaderSchemaVersion carries SchemaVersion; absent means version 0.
const HeaderSchemaVersion = "ce-schemaversion"

// upcasters[v] turns a version v event into a version v+1 event.
var upcasters = []func(*Event){
	// 0 → 1: a change nobody caused carries its own id as correlation id
	// (before, it carried none and only its consequences named it).
	func(e *Event) {
		if e.CorrelationID == "" {
			e.CorrelationID = e.ID
		}
	},
}

// upcast brings an event of schema version v to SchemaVersion.
func upcast(e *Event, v int) error {
	if v > SchemaVersion || v < 0 {
		return fmt.Errorf("%w: schema version %d (this Jetplane reads up to %d)", ErrBadEvent, v, SchemaVersion)
	}
	for ; v < SchemaVersion; v++ {
		upcasters[v](e)
	}
	return nil
}
