// Package apirequest reads what a request asks for — verb, API group,
// version, namespace, resource, subresource, name — the way
// kube-apiserver's RequestInfoFactory does, so that RBAC rules written for
// Kubernetes mean the same at the gateway.
//
// Kubernetes' rules:
//
//   - Paths outside /api/<version>/... and /apis/<group>/<version>/... are
//     non-resource requests (/healthz, /version, /metrics, /openapi/v3,
//     /api, /apis, /api/v1, /apis/apps/v1 discovery); their verb is the
//     lower-cased HTTP method (get, post, ...).
//   - GET and HEAD on a name are get; on a collection list, or watch with
//     watch=<anything but 0 or false>; POST create, PUT update, PATCH patch;
//     DELETE on a name delete, on a collection deletecollection. A list or
//     watch with fieldSelector=metadata.name=<n> names n.
//   - /api/v1/watch/... (legacy) is watch and /api/v1/proxy/... (legacy) is
//     proxy, whose tail is never a subresource.
//   - namespaces/{ns} is the resource namespaces named ns (namespaces/{ns}/
//     status and finalize are its subresources); namespaces/{ns}/{resource}
//     is the namespaced resource.
//   - {resource}/{name}/{subresource}/... : pods/{name}/log, exec, attach,
//     portforward, proxy (the name may be name:port and the proxied path
//     follows in Parts), services/{name:port}/proxy/..., deployments/{name}/
//     scale, serviceaccounts/{name}/token.
//
// Jetplane's own endpoints are resource requests of API group jetplane.dev,
// version v1, so a ClusterRole grants them like any resource:
//
//	GET  /apis/jetplane.dev/v1/audit           list audit (following it too: ?follow, SSE)
//	GET  /apis/jetplane.dev/v1/history/<resource>/<ns>/<name>
//	                                           get history <name> in namespace <ns>
//	GET  /apis/jetplane.dev/v1/history/<resource>/<name>
//	                                           get history <name> (cluster-scoped objects)
//	GET  /apis/jetplane.dev/v1/horizon         get horizon
//	POST /apis/jetplane.dev/v1/restore         create restore
//	GET  /apis/jetplane.dev/v1/namespaces/<ns>/deployments/<name>/revisions
//	                                           get deployments/revisions <name> in <ns>
//
// history is namespaced by the object's namespace, so a Role in a
// namespace can grant it; it does not say the object's kind (that stays in
// Parts), so granting history grants the history of every kind in the
// namespace, the whole past of each object included. audit is the whole
// log: grant it only cluster-wide, to whom may read everything.
package apirequest
