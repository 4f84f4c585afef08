// Package routing is the pure part of Service traffic, shared by the node's
// service proxy (services/serviceproxy) and the gateway's service proxy:
// the ready endpoint addresses a Service port resolves to (targets.go), the
// ports a node opens for NodePort and LoadBalancer Services, the choice of
// a backend per connection — round robin, or pinned to a client by
// sessionAffinity ClientIP (balance.go) — and the Ingress rule matching
// (ingress.go). It does no I/O.
package routing
