// Package events is Jetplane's contract with its log: the resource registry,
// NATS subjects, the CloudEvents codec, the single append path with optimistic
// concurrency (Nats-Expected-Last-Subject-Sequence), stream and KV setup, and
// an embedded NATS server used by `jetplane up` and by tests.
//
// Every change to every object is one event on subject
// jetplane.ev.<resource>.<namespace>.<name> whose data is the full object as it
// stands after the change; the event's stream sequence is the object's
// resourceVersion.
//
// Container output is not an event: the LOGS stream holds one LogRecord per
// line on jetplane.logs.<namespace>.<pod>.<container>.<pod uid>.<attempt>.
package events
