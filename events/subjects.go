package events

import (
	"fmt"
	"strings"
)

const (
	// SubjectRoot prefixes every event subject.
	SubjectRoot = "jetplane.ev"
	// NodeRoot prefixes the subjects a node agent may publish on: its
	// reports (NodeReportSubject) and its containers' output
	// (LogAttempt.Subject), jetplane.node.<node>.…, so that NATS
	// permissions bind each agent to its own node.
	NodeRoot = "jetplane.node"
	// ClusterScope stands for the namespace of cluster-scoped objects.
	ClusterScope = "_"
)

// EncodeToken makes a name or namespace safe as one subject token. Kubernetes
// names may hold dots but never underscores, so '.' → '_' is reversible.
func EncodeToken(s string) string {
	if s == "" {
		return ClusterScope
	}
	return strings.ReplaceAll(s, ".", "_")
}

// DecodeToken reverses EncodeToken.
func DecodeToken(tok string) string {
	if tok == ClusterScope {
		return ""
	}
	return strings.ReplaceAll(tok, "_", ".")
}

// Subject is the NATS subject of one object's events. A custom resource's
// name (plural.group) is encoded like names; a built-in's has no dot.
func Subject(resource, namespace, name string) string {
	return SubjectRoot + "." + EncodeToken(resource) + "." + EncodeToken(namespace) + "." + EncodeToken(name)
}

// FilterSubject matches every object of resource (all resources when empty) in
// namespace (all namespaces when empty).
func FilterSubject(resource, namespace string) string {
	if resource == "" {
		return SubjectRoot + ".>"
	}
	if namespace == "" {
		return SubjectRoot + "." + EncodeToken(resource) + ".>"
	}
	return SubjectRoot + "." + EncodeToken(resource) + "." + EncodeToken(namespace) + ".*"
}

// ParseSubject splits an event subject into resource, namespace and name.
func ParseSubject(subj string) (resource, namespace, name string, err error) {
	rest, ok := strings.CutPrefix(subj, SubjectRoot+".")
	if !ok {
		return "", "", "", fmt.Errorf("subject %q: %w", subj, ErrBadSubject)
	}
	parts := strings.Split(rest, ".")
	if len(parts) != 3 || parts[0] == "" || parts[2] == "" || parts[2] == ClusterScope {
		return "", "", "", fmt.Errorf("subject %q: %w", subj, ErrBadSubject)
	}
	return DecodeToken(parts[0]), DecodeToken(parts[1]), DecodeToken(parts[2]), nil
}

// NodeSubjectPrefix is the root of one node's subjects.
func NodeSubjectPrefix(node string) string { return NodeRoot + "." + EncodeToken(node) }

// NodeReportSubject is where a node agent sends the changes it reports
// (pod status, its Node) for the control plane to check and append.
func NodeReportSubject(node string) string { return NodeSubjectPrefix(node) + ".report" }

// NodeReportFilter matches every node's reports.
const NodeReportFilter = NodeRoot + ".*.report"

// NodeHeartbeatSubject is where a node agent renews its lease (the control
// plane writes it: a node has no right to the leases bucket), and
// NodeLastLogSubject where it asks for its runs' last stored output line.
func NodeHeartbeatSubject(node string) string { return NodeSubjectPrefix(node) + ".heartbeat" }
func NodeLastLogSubject(node string) string   { return NodeSubjectPrefix(node) + ".lastlog" }

// NodeSecretSubject is where a node agent asks for a Secret its pods use
// (Secrets are sealed in the log); NodeSecretFilter matches every node's.
func NodeSecretSubject(node string) string { return NodeSubjectPrefix(node) + ".secret" }

const NodeSecretFilter = NodeRoot + ".*.secret"

// NodeTokenSubject is where a node agent asks for a ServiceAccount token
// bound to one of its pods (it holds no signing key); NodeTokenFilter
// matches every node's.
func NodeTokenSubject(node string) string { return NodeSubjectPrefix(node) + ".token" }

const NodeTokenFilter = NodeRoot + ".*.token"

// Filters of every node's heartbeats and last-log questions.
const (
	NodeHeartbeatFilter = NodeRoot + ".*.heartbeat"
	NodeLastLogFilter   = NodeRoot + ".*.lastlog"
)

// NodeOfReport is the node whose report (or heartbeat, last-log) subject
// subj is.
func NodeOfReport(subj string) (string, error) {
	rest, ok := strings.CutPrefix(subj, NodeRoot+".")
	tok, _, ok2 := strings.Cut(rest, ".")
	if !ok || !ok2 || tok == "" {
		return "", fmt.Errorf("report subject %q: %w", subj, ErrBadSubject)
	}
	return DecodeToken(tok), nil
}

// NodeLeasePrefix begins the node heartbeat keys of the leases bucket:
// agents renew NodeLeaseKey(node), the node lifecycle controller watches
// the prefix.
const NodeLeasePrefix = "node."

// NodeLeaseKey is a node's heartbeat key in the leases bucket.
func NodeLeaseKey(node string) string { return NodeLeasePrefix + node }
