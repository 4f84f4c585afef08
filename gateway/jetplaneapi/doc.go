// Package jetplaneapi is the wire contract of Jetplane's own endpoints under
// /apis/jetplane.dev/v1: audit, object history, deployment revisions, the
// time travel horizon and point-in-time restore. It holds only their paths,
// query parameters and JSON types, so that the gateway (which serves them)
// and the client verbs (which call them) share one spelling without the
// client linking the server, its NATS adapter or its logger. Pure: no I/O.
package jetplaneapi
