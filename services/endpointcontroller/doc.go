// Package endpointcontroller is the shell of the endpoint controller: it
// keeps a projection of the log, queues Services (key namespace/name) when
// they or the pods they select change, asks endpoints (the pure decision
// package) what the Service's Endpoints should be, and appends created,
// updated or deleted with CAS on the Endpoints' sequence.
//
// Several instances may run at once without a leader: they compute the same
// object from the same log, and CAS turns a race into a re-read that finds
// nothing left to do.
package endpointcontroller
