// Package allinone assembles a whole Jetplane control plane in one process — an
// embedded NATS server with JetStream, the gateway, the scheduler, the replica
// controller, the endpoint controller and one node agent — each service with
// its own connection and projection, talking only through the log, exactly as
// they would as separate processes. `jetplane up` and the end-to-end tests use it.
package allinone
