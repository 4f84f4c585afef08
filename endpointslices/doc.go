// Package endpointslices is the discovery.k8s.io/v1 EndpointSlice view of
// core/v1 Endpoints: Jetplane stores Endpoints only (written by the
// endpoint controller) and derives the slices on read (the gateway's
// endpointslices resource). Pure: an Endpoints object in, its slices out.
package endpointslices
