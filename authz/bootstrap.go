package authz

import (
	rbacv1 "k8s.io/api/rbac/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Labels and annotations Kubernetes puts on its bootstrap policy.
const (
	// BootstrappingLabel marks objects kube-apiserver created itself.
	BootstrappingLabel = "kubernetes.io/bootstrapping"
	bootstrapping      = "rbac-defaults"
	// AutoupdateAnnotation "true" lets the apiserver reconcile the object
	// back to its defaults on start; "false" keeps an admin's edits.
	AutoupdateAnnotation = "rbac.authorization.kubernetes.io/autoupdate"

	AggregateToAdmin = "rbac.authorization.k8s.io/aggregate-to-admin"
	AggregateToEdit  = "rbac.authorization.k8s.io/aggregate-to-edit"
	AggregateToView  = "rbac.authorization.k8s.io/aggregate-to-view"
)

// The verb sets Kubernetes' bootstrap policy is written in.
var (
	readVerbs      = []string{"get", "list", "watch"}
	writeVerbs     = []string{"create", "update", "patch", "delete", "deletecollection"}
	readWriteVerbs = []string{"get", "list", "watch", "create", "update", "patch", "delete", "deletecollection"}
)

// API groups the bootstrap rules name.
const (
	coreGroup       = ""
	appsGroup       = "apps"
	batchGroup      = "batch"
	networkingGroup = "networking.k8s.io"
	discoveryGroup  = "discovery.k8s.io"
	storageGroup    = "storage.k8s.io"
	authzGroup      = "authorization.k8s.io"
	authnGroup      = "authentication.k8s.io"
)

func rule(verbs []string, group string, resources ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, APIGroups: []string{group}, Resources: resources}
}

func urlRule(verbs []string, urls ...string) rbacv1.PolicyRule {
	return rbacv1.PolicyRule{Verbs: verbs, NonResourceURLs: urls}
}

func bootstrapMeta(name string, labels map[string]string) metav1.ObjectMeta {
	l := map[string]string{BootstrappingLabel: bootstrapping}
	for k, v := range labels {
		l[k] = v
	}
	return metav1.ObjectMeta{Name: name, Labels: l, Annotations: map[string]string{AutoupdateAnnotation: "true"}}
}

func aggregated(label string) *rbacv1.AggregationRule {
	return &rbacv1.AggregationRule{ClusterRoleSelectors: []metav1.LabelSelector{{MatchLabels: map[string]string{label: "true"}}}}
}

// healthURLs are what anyone may read, even unauthenticated.
var healthURLs = []string{"/livez", "/readyz", "/healthz", "/version", "/version/"}

// AuditorRole is the ClusterRole that reads Jetplane's history endpoints.
const AuditorRole = "jetplane:auditor"

// Bootstrap is the default policy: the ClusterRoles and ClusterRoleBindings
// of Kubernetes' bootstrap policy that apply to what Jetplane serves, and
// those of Jetplane's own service identities.
func Bootstrap() ([]rbacv1.ClusterRole, []rbacv1.ClusterRoleBinding) {
	roles := []rbacv1.ClusterRole{
		{ObjectMeta: bootstrapMeta("cluster-admin", nil), Rules: []rbacv1.PolicyRule{
			rule([]string{rbacv1.VerbAll}, rbacv1.APIGroupAll, rbacv1.ResourceAll),
			urlRule([]string{rbacv1.VerbAll}, rbacv1.NonResourceAll),
		}},
		{ObjectMeta: bootstrapMeta("system:discovery", nil), Rules: []rbacv1.PolicyRule{
			urlRule([]string{"get"}, "/livez", "/readyz", "/healthz", "/version", "/version/",
				"/openapi", "/openapi/*", "/api", "/api/*", "/apis", "/apis/*"),
		}},
		{ObjectMeta: bootstrapMeta("system:public-info-viewer", nil), Rules: []rbacv1.PolicyRule{
			urlRule([]string{"get"}, healthURLs...),
		}},
		{ObjectMeta: bootstrapMeta("system:basic-user", nil), Rules: []rbacv1.PolicyRule{
			rule([]string{"create"}, authzGroup, "selfsubjectaccessreviews", "selfsubjectrulesreviews"),
			rule([]string{"create"}, authnGroup, "selfsubjectreviews"),
		}},
		// Service account issuer discovery: where a relying party finds
		// the keys that verify ServiceAccount tokens.
		{ObjectMeta: bootstrapMeta("system:service-account-issuer-discovery", nil), Rules: []rbacv1.PolicyRule{
			urlRule([]string{"get"}, "/.well-known/openid-configuration", "/.well-known/openid-configuration/",
				"/openid/v1/jwks", "/openid/v1/jwks/"),
		}},
		// The user-facing roles are empty shells filled by aggregation, so
		// that a new kind's rules are added by labelling a ClusterRole.
		{ObjectMeta: bootstrapMeta("admin", nil), AggregationRule: aggregated(AggregateToAdmin)},
		{ObjectMeta: bootstrapMeta("edit", map[string]string{AggregateToAdmin: "true"}), AggregationRule: aggregated(AggregateToEdit)},
		{ObjectMeta: bootstrapMeta("view", map[string]string{AggregateToEdit: "true"}), AggregationRule: aggregated(AggregateToView)},
		// An auditor reads the whole history over HTTP (the audit stream,
		// objects' histories, the horizon): bound to this, it needs no NATS
		// credentials at all.
		{ObjectMeta: bootstrapMeta(AuditorRole, nil), Rules: []rbacv1.PolicyRule{
			rule([]string{"get", "list", "watch"}, "jetplane.dev", "audit", "history", "horizon"),
		}},
		{ObjectMeta: bootstrapMeta("system:aggregate-to-admin", map[string]string{AggregateToAdmin: "true"}), Rules: aggregateToAdmin},
		{ObjectMeta: bootstrapMeta("system:aggregate-to-edit", map[string]string{AggregateToEdit: "true"}), Rules: aggregateToEdit},
		{ObjectMeta: bootstrapMeta("system:aggregate-to-view", map[string]string{AggregateToView: "true"}), Rules: aggregateToView},
	}
	bindings := []rbacv1.ClusterRoleBinding{
		binding("cluster-admin", "cluster-admin", group(SystemMasters)),
		binding("system:discovery", "system:discovery", group(SystemAuthenticated)),
		binding("system:basic-user", "system:basic-user", group(SystemAuthenticated)),
		binding("system:public-info-viewer", "system:public-info-viewer", group(SystemAuthenticated), group(SystemUnauthenticated)),
		binding("system:service-account-issuer-discovery", "system:service-account-issuer-discovery", group(SystemServiceAccounts)),
	}
	sr, sb := serviceRoles()
	return append(roles, sr...), append(bindings, sb...)
}

// BootstrapPolicy is Bootstrap as a Policy, for callers with no stored
// policy yet.
func BootstrapPolicy() *StaticPolicy {
	roles, bindings := Bootstrap()
	return &StaticPolicy{ClusterRoles: roles, ClusterRoleBindings: bindings}
}

func binding(name, role string, subjects ...rbacv1.Subject) rbacv1.ClusterRoleBinding {
	return rbacv1.ClusterRoleBinding{ObjectMeta: bootstrapMeta(name, nil), Subjects: subjects,
		RoleRef: rbacv1.RoleRef{APIGroup: rbacv1.GroupName, Kind: "ClusterRole", Name: role}}
}

func group(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.GroupKind, APIGroup: rbacv1.GroupName, Name: name}
}

func user(name string) rbacv1.Subject {
	return rbacv1.Subject{Kind: rbacv1.UserKind, APIGroup: rbacv1.GroupName, Name: name}
}

// aggregateToAdmin is what admin adds to edit: managing access within the
// namespace.
var aggregateToAdmin = []rbacv1.PolicyRule{
	rule([]string{"create"}, authzGroup, "localsubjectaccessreviews"),
	rule(readWriteVerbs, rbacv1.GroupName, "roles", "rolebindings"),
}

// aggregateToEdit is Kubernetes' system:aggregate-to-edit for the kinds
// Jetplane serves: reading the escalating resources (secrets, exec,
// attach) and writing every user workload, but no status subresources.
var aggregateToEdit = []rbacv1.PolicyRule{
	rule(readVerbs, coreGroup, "pods/attach", "pods/proxy", "pods/exec", "pods/portforward", "secrets", "services/proxy"),
	rule([]string{"impersonate"}, coreGroup, "serviceaccounts"),
	rule(writeVerbs, coreGroup, "pods", "pods/attach", "pods/proxy", "pods/exec", "pods/portforward"),
	rule([]string{"create"}, coreGroup, "pods/eviction"),
	rule(writeVerbs, coreGroup, "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
		"services", "services/proxy", "persistentvolumeclaims", "configmaps", "secrets"),
	rule([]string{"create"}, coreGroup, "serviceaccounts/token"),
	rule(writeVerbs, appsGroup, "statefulsets", "statefulsets/scale", "daemonsets",
		"deployments", "deployments/scale", "deployments/rollback", "replicasets", "replicasets/scale"),
	rule(writeVerbs, batchGroup, "jobs", "cronjobs"),
	rule(writeVerbs, networkingGroup, "networkpolicies", "ingresses"),
}

// aggregateToView is Kubernetes' system:aggregate-to-view for the kinds
// Jetplane serves: reading everything but secrets, which would let a
// viewer act as any service account.
var aggregateToView = []rbacv1.PolicyRule{
	rule(readVerbs, coreGroup, "pods", "replicationcontrollers", "replicationcontrollers/scale", "serviceaccounts",
		"services", "services/status", "endpoints", "persistentvolumeclaims", "persistentvolumeclaims/status", "configmaps"),
	rule(readVerbs, coreGroup, "limitranges", "resourcequotas", "bindings", "events",
		"pods/status", "resourcequotas/status", "namespaces/status", "replicationcontrollers/status", "pods/log"),
	// Reading namespaces at namespace scope reads this namespace: a hint
	// of which namespaces one has access to.
	rule(readVerbs, coreGroup, "namespaces"),
	rule(readVerbs, discoveryGroup, "endpointslices"),
	rule(readVerbs, appsGroup, "controllerrevisions", "statefulsets", "statefulsets/status", "statefulsets/scale",
		"daemonsets", "daemonsets/status", "deployments", "deployments/status", "deployments/scale",
		"replicasets", "replicasets/status", "replicasets/scale"),
	rule(readVerbs, batchGroup, "jobs", "cronjobs", "cronjobs/status", "jobs/status"),
	rule(readVerbs, networkingGroup, "networkpolicies", "ingresses", "ingresses/status"),
	// kubectl top: what metrics-server's system:aggregated-metrics-reader
	// adds to view, edit and admin (the gateway serves that API here).
	rule([]string{"get", "list"}, "metrics.k8s.io", "pods", "nodes"),
}
