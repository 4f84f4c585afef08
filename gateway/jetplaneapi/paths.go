package jetplaneapi

import "net/url"

// Prefix is where every Jetplane endpoint lives: a group of its own, so
// that none of them can collide with a Kubernetes resource path.
const Prefix = "/apis/jetplane.dev/v1"

// Group is the API group of Jetplane's endpoints, as Status errors name it.
const Group = "jetplane.dev"

// AuditPath serves the audit stream: every event of the log as a
// structured CloudEvent, filtered, from any sequence or time, as
// Server-Sent Events (Accept: text/event-stream) or JSON lines.
const AuditPath = Prefix + "/audit"

// HistoryPath prefixes object histories:
// <HistoryPath><resource>/<namespace>/<name>, or <resource>/<name> for
// cluster-scoped objects. Every change of the object, from the log.
const HistoryPath = Prefix + "/history/"

// HistoryObjectPath is the history of one object; namespace is "" for a
// cluster-scoped one.
func HistoryObjectPath(resource, namespace, name string) string {
	p := HistoryPath + resource + "/"
	if namespace != "" {
		p += url.PathEscape(namespace) + "/"
	}
	return p + url.PathEscape(name)
}

// RestorePath takes point-in-time restore requests (POST a RestoreRequest).
const RestorePath = Prefix + "/restore"

// HorizonPath reports how far back time travel, history and restore reach.
const HorizonPath = Prefix + "/horizon"

// RevisionsPattern is the route (a net/http ServeMux pattern) of
// RevisionsPath: every rollout revision a Deployment ever had, from the
// log, also those whose ReplicaSet revisionHistoryLimit pruned.
const RevisionsPattern = "GET " + Prefix + "/namespaces/{namespace}/deployments/{name}/revisions"

// RevisionsPath is where the revisions of a Deployment are served.
func RevisionsPath(namespace, name string) string {
	return Prefix + "/namespaces/" + url.PathEscape(namespace) + "/deployments/" + url.PathEscape(name) + "/revisions"
}

// AsOfTimeParam asks a get or list for the state at a past time (RFC 3339):
// Jetplane's companion of resourceVersionMatch=Exact, which asks for it at a
// past resourceVersion.
const AsOfTimeParam = "asOfTime"
