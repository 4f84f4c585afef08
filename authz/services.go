package authz

import rbacv1 "k8s.io/api/rbac/v1"

// The identities Jetplane's services act as (events.ServiceOrigin signs
// their events "system:jetplane:<service>"); node agents are
// system:node:<name> in the system:nodes group, as kubelets are.
const (
	GatewayUser            = "system:jetplane:gateway"
	SchedulerUser          = "system:jetplane:scheduler"
	ReplicaControllerUser  = "system:jetplane:replicacontroller"
	EndpointControllerUser = "system:jetplane:endpointcontroller"
	DNSUser                = "system:jetplane:dns"
)

// servedGroups are the API groups Jetplane serves.
var servedGroups = []string{coreGroup, appsGroup, batchGroup, networkingGroup, discoveryGroup, storageGroup, rbacv1.GroupName}

// readAll reads every kind Jetplane serves; written out per group rather
// than "*" so that a group added later is not read by default.
var readAll = rbacv1.PolicyRule{Verbs: readVerbs, APIGroups: servedGroups, Resources: []string{rbacv1.ResourceAll}}

// serviceRoles gives each service the least it needs, from what it
// writes (services/*): each role is named and bound after its identity.
func serviceRoles() ([]rbacv1.ClusterRole, []rbacv1.ClusterRoleBinding) {
	specs := []struct {
		name    string
		subject rbacv1.Subject
		rules   []rbacv1.PolicyRule
	}{
		// The gateway writes as the requesting user; as itself it only
		// follows the whole log into its projection and creates, at start,
		// the protected namespaces (default, kube-system...) and their
		// default ServiceAccounts, the kubernetes and kube-dns Services and
		// their Endpoints, listing itself in kubernetes', and the default
		// StorageClass.
		{GatewayUser, user(GatewayUser), []rbacv1.PolicyRule{
			readAll,
			rule([]string{"create"}, coreGroup, "namespaces", "serviceaccounts", "services", "endpoints"),
			rule([]string{"create"}, storageGroup, "storageclasses"),
			{Verbs: []string{"update"}, APIGroups: []string{coreGroup}, Resources: []string{"endpoints"},
				ResourceNames: []string{"kubernetes"}},
		}},
		// The scheduler binds pods to nodes and marks the ones it cannot
		// place Unschedulable (a status write).
		{SchedulerUser, user(SchedulerUser), []rbacv1.PolicyRule{
			rule(readVerbs, coreGroup, "pods", "nodes", "namespaces"),
			rule([]string{"create"}, coreGroup, "pods/binding", "bindings"),
			rule([]string{"update", "patch"}, coreGroup, "pods/status"),
		}},
		// The replica controller runs every workload controller, the
		// garbage collector and node lifecycle: it creates, adopts,
		// releases and deletes pods and ReplicaSets and Jobs, writes the
		// workloads' status, finalizers (foreground and orphan deletion)
		// and Deployment annotations, and taints and evicts on nodes. As
		// garbage collector it deletes dependents of any kind and
		// everything in a deleted namespace, and edits their owner
		// references and finalizers: Kubernetes' generic-garbage-collector
		// rule, over the groups Jetplane serves. As ServiceAccount
		// controller it creates every namespace's default ServiceAccount,
		// as root CA publisher its kube-root-ca.crt ConfigMap; as
		// StatefulSet controller pods and claims; as PersistentVolume
		// controller it provisions, binds and reclaims volumes.
		{ReplicaControllerUser, user(ReplicaControllerUser), []rbacv1.PolicyRule{
			{Verbs: []string{"get", "list", "watch", "patch", "update", "delete"}, APIGroups: servedGroups,
				Resources: []string{rbacv1.ResourceAll}},
			rule(readWriteVerbs, coreGroup, "pods", "replicationcontrollers"),
			rule([]string{"create"}, coreGroup, "serviceaccounts"),
			rule([]string{"create", "update"}, coreGroup, "configmaps"),
			rule(readWriteVerbs, coreGroup, "persistentvolumeclaims", "persistentvolumes"),
			rule([]string{"update", "patch"}, coreGroup, "pods/status", "replicationcontrollers/status",
				"replicationcontrollers/finalizers", "persistentvolumeclaims/status", "persistentvolumes/status"),
			rule([]string{"get", "list", "watch", "update", "patch"}, coreGroup, "nodes"),
			rule([]string{"update", "patch"}, coreGroup, "nodes/status"),
			rule(readWriteVerbs, appsGroup, "deployments", "replicasets", "daemonsets", "statefulsets"),
			rule([]string{"update", "patch"}, appsGroup, "deployments/status", "replicasets/status", "daemonsets/status",
				"statefulsets/status", "deployments/finalizers", "replicasets/finalizers", "daemonsets/finalizers",
				"statefulsets/finalizers"),
			rule(readWriteVerbs, batchGroup, "jobs", "cronjobs"),
			rule([]string{"update", "patch"}, batchGroup, "jobs/status", "cronjobs/status", "jobs/finalizers", "cronjobs/finalizers"),
		}},
		// The endpoint controller writes Endpoints from Services and pods,
		// and LoadBalancer Services' status from the Ready nodes.
		{EndpointControllerUser, user(EndpointControllerUser), []rbacv1.PolicyRule{
			rule(readVerbs, coreGroup, "services", "pods", "nodes"),
			rule([]string{"get", "list", "watch", "create", "update", "patch", "delete"}, coreGroup, "endpoints"),
			rule([]string{"update", "patch"}, coreGroup, "services/status"),
		}},
		// The cluster DNS (CoreDNS's kubernetes plugin) watches what it
		// answers for, as the addon's system:coredns role lets it, and
		// lists its own address in kube-system/kube-dns's Endpoints, which
		// the gateway creates: RBAC cannot scope create by name, so this
		// identity creates none.
		{DNSUser, user(DNSUser), []rbacv1.PolicyRule{
			rule([]string{"list", "watch"}, coreGroup, "endpoints", "services", "pods", "namespaces"),
			rule([]string{"list", "watch"}, discoveryGroup, "endpointslices"),
			{Verbs: []string{"get", "update", "patch"}, APIGroups: []string{coreGroup}, Resources: []string{"endpoints"},
				ResourceNames: []string{"kube-dns"}},
		}},
		// Node agents register and heartbeat their Node, run the pods
		// bound to them (reading the ConfigMaps, claims and volumes they
		// mount; Secrets and tokens only of their own pods, asked of the
		// gateway, which checks as the node authorizer does), report their
		// status and finally delete them; the service proxy beside them
		// reads Services, Endpoints and Ingresses to route.
		{"system:jetplane:node", group(SystemNodes), []rbacv1.PolicyRule{
			rule([]string{"get", "list", "watch", "create", "update", "patch"}, coreGroup, "nodes"),
			rule([]string{"update", "patch"}, coreGroup, "nodes/status"),
			rule([]string{"get", "list", "watch", "delete"}, coreGroup, "pods"),
			rule([]string{"update", "patch"}, coreGroup, "pods/status"),
			rule(readVerbs, coreGroup, "services", "endpoints", "configmaps", "persistentvolumeclaims", "persistentvolumes"),
			rule(readVerbs, networkingGroup, "ingresses"),
		}},
	}
	roles := make([]rbacv1.ClusterRole, 0, len(specs))
	bindings := make([]rbacv1.ClusterRoleBinding, 0, len(specs))
	for _, s := range specs {
		roles = append(roles, rbacv1.ClusterRole{ObjectMeta: bootstrapMeta(s.name, nil), Rules: s.rules})
		bindings = append(bindings, binding(s.name, s.name, s.subject))
	}
	return roles, bindings
}
