// Command jetplane is the single binary of Jetplane: `up` runs the whole
// control plane in one process on an embedded NATS server; `nats`, `gateway`,
// `scheduler`, `controller`, `endpoints` and `agent` run one part each against
// a NATS server, for scale-out.
package main
