// Package gateway serves the Kubernetes-style HTTP API of Jetplane, so that
// kubectl and client-go can drive the cluster. It is a shell: reads answer
// from the gateway's own projection of the event log, writes validate (with
// package apis), append one event with compare-and-set on the object's
// resourceVersion, and wait until the projection has applied that event
// before answering, so a client always reads its own writes. Watches stream
// from the log itself (natslog.Log.Follow), so any past resourceVersion the
// stream still holds can be resumed.
//
// Two handler sets share the projection and the log: Server is the
// Kubernetes REST core (discovery, resources, subresources, watches), and
// jetplaneAPI serves Jetplane's own endpoints (audit, history, revisions,
// horizon, restore; their wire types are in gateway/jetplaneapi). Reads of
// the past (timeTravel) serve both: get and list at a past revision, and
// the state a restore returns to.
//
// Every request passes guard (access.go) first: authentication (package
// authn: client certificates of the cluster CA, static tokens, anonymous
// only when enabled), impersonation, and RBAC authorization (package authz
// over this projection, attributes from package apirequest). Writes then
// pass the admission chain (admit.go) after validation. The access reviews
// (reviews.go) are answered, never stored.
package gateway
