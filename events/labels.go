package events

// The endpoint controller's mark on the Endpoints it writes, read by
// whoever derives from them (the EndpointSlice view leaves it out): one
// spelling for writer and readers.
const (
	EndpointsManagedByLabel = "endpoints.jetplane.dev/managed-by"
	EndpointsManagedByValue = "endpointcontroller"
)
