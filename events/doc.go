// Package events is Jetplane's contract with its log, and imports no NATS:
// the resource registry, subjects, the CloudEvents codec (to and from a
// plain Message), Origin and Cause, the write and lifecycle rules, the one
// object decoder, and the ports (Appender, Reader, Store, KV, BlobStore)
// that the JetStream adapter, events/natslog, implements.
//
// Every change to every object is one event on subject
// jetplane.ev.<resource>.<namespace>.<name> whose data is the full object as it
// stands after the change; the event's stream sequence is the object's
// resourceVersion.
//
// Container output is not an event: the LOGS stream holds one LogRecord per
// line on jetplane.node.<node>.logs.<namespace>.<pod>.<container>.<pod uid>.<attempt>.
package events
