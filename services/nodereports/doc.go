// Package nodereports is the control-plane service that turns node agents'
// reports into events: it serves the reports NATS lets each agent send on
// its own subject only (events/natslog's ServeReports), checks each against
// the projection with the pure NodeRestriction rules (restriction/), sets
// the actor to system:node:<node> from the subject — never from the report —
// and appends it with the CAS the agent read. Agents hold no right to
// write EVENTS; this is their only way in.
package nodereports
