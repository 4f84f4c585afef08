// Package eventttl decides when an Event expires, as kube-apiserver's
// --event-ttl (one hour by default) does: an hour after it was last seen
// (its series' last observation, its last timestamp, its event time, or
// its creation). The log keeps every Event forever; the live set — what
// lists show and what every projection holds — does not grow without end.
//
// It is pure: an Event and the time now in, whether it expired and when to
// look again out.
package eventttl
