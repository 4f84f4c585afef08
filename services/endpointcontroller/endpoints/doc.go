// Package endpoints is the endpoint controller's pure decision: from a
// Service and the pods of its namespace it computes the core/v1 Endpoints
// object named like the Service, and compares it with the one that exists to
// say whether to create, update, delete or leave it. No I/O, no logging.
//
// Kubernetes' rules: ready pods go to addresses and pods that are not ready
// (but have an IP and have not finished) to notReadyAddresses; a Service with
// publishNotReadyAddresses lists every such pod, terminating ones included, as
// ready; otherwise terminating pods are left out. Named target ports resolve
// per pod against its container ports; pods with the same resolved ports share
// one subset. A Service without selector is the user's business, an
// ExternalName Service has no endpoints.
//
// Addresses carry targetRef kind/namespace/name/uid but no resourceVersion:
// with it, every pod status write would rewrite the Endpoints (churn in the
// log) while nothing that routes traffic reads it.
package endpoints
