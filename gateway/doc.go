// Package gateway serves the Kubernetes-style HTTP API of Jetplane, so that
// kubectl and client-go can drive the cluster. It is a shell: reads answer
// from the gateway's own projection of the event log, writes validate (with
// package apis), append one event with compare-and-set on the object's
// resourceVersion, and wait until the projection has applied that event
// before answering, so a client always reads its own writes. Watches stream
// from the log itself (natslog.Log.Follow), so any past resourceVersion the
// stream still holds can be resumed.
package gateway
