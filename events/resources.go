package events

import (
	"strings"

	apiextensionsv1 "k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1"

	appsv1 "k8s.io/api/apps/v1"
	batchv1 "k8s.io/api/batch/v1"
	coordinationv1 "k8s.io/api/coordination/v1"
	corev1 "k8s.io/api/core/v1"
	discoveryv1 "k8s.io/api/discovery/v1"
	eventsv1 "k8s.io/api/events/v1"
	networkingv1 "k8s.io/api/networking/v1"
	rbacv1 "k8s.io/api/rbac/v1"
	storagev1 "k8s.io/api/storage/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Object is a Kubernetes object: metadata accessors plus type information.
type Object interface {
	metav1.Object
	runtime.Object
}

// Resource describes one kind of object Jetplane stores.
type Resource struct {
	Name       string // plural, as in the REST path and the subject: "deployments"
	Singular   string // as in the event type: "deployment"
	Kind       string
	ListKind   string
	Group      string
	Version    string
	Namespaced bool
	ShortNames []string
	Verbs      []string
	// Subresources served besides the object itself, e.g. "status".
	Subresources []string
	// Derived resources are views of the log that nobody writes
	// (EndpointSlices, ControllerRevisions): read-only, and no event
	// subject carries them.
	Derived bool
	// Custom resources are defined by a CustomResourceDefinition
	// (Register): their objects are unstructured, their Name plural.group.
	Custom  bool
	New     func() Object
	NewList func() runtime.Object
}

// GroupVersion is "v1" for the core group, else "group/version".
func (r Resource) GroupVersion() string {
	if r.Group == "" {
		return r.Version
	}
	return r.Group + "/" + r.Version
}

// GVK is the resource's group, version and kind.
func (r Resource) GVK() schema.GroupVersionKind {
	return schema.GroupVersionKind{Group: r.Group, Version: r.Version, Kind: r.Kind}
}

// GVR is the resource's group, version and plural name.
func (r Resource) GVR() schema.GroupVersionResource {
	return schema.GroupVersionResource{Group: r.Group, Version: r.Version, Resource: r.Name}
}

// GroupResource names the resource for Kubernetes Status errors.
func (r Resource) GroupResource() schema.GroupResource {
	return schema.GroupResource{Group: r.Group, Resource: r.Name}
}

var allVerbs = []string{"create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"}

var registry = []Resource{
	{Name: "namespaces", Singular: "namespace", Kind: "Namespace", ListKind: "NamespaceList", Version: "v1",
		ShortNames: []string{"ns"}, Subresources: []string{"status"},
		New: func() Object { return &corev1.Namespace{} }, NewList: func() runtime.Object { return &corev1.NamespaceList{} }},
	{Name: "nodes", Singular: "node", Kind: "Node", ListKind: "NodeList", Version: "v1",
		ShortNames: []string{"no"}, Subresources: []string{"status"},
		New: func() Object { return &corev1.Node{} }, NewList: func() runtime.Object { return &corev1.NodeList{} }},
	{Name: "pods", Singular: "pod", Kind: "Pod", ListKind: "PodList", Version: "v1", Namespaced: true,
		ShortNames: []string{"po"}, Subresources: []string{"status", "log", "exec", "attach", "portforward"},
		New: func() Object { return &corev1.Pod{} }, NewList: func() runtime.Object { return &corev1.PodList{} }},
	{Name: "services", Singular: "service", Kind: "Service", ListKind: "ServiceList", Version: "v1", Namespaced: true,
		ShortNames: []string{"svc"}, Subresources: []string{"status"},
		New: func() Object { return &corev1.Service{} }, NewList: func() runtime.Object { return &corev1.ServiceList{} }},
	{Name: "endpoints", Singular: "endpoints", Kind: "Endpoints", ListKind: "EndpointsList", Version: "v1", Namespaced: true,
		ShortNames: []string{"ep"},
		New:        func() Object { return &corev1.Endpoints{} }, NewList: func() runtime.Object { return &corev1.EndpointsList{} }},
	// ServiceAccounts are identities for processes; their token subresource
	// is the TokenRequest API (a POST that signs a token, stores nothing).
	{Name: "serviceaccounts", Singular: "serviceaccount", Kind: "ServiceAccount", ListKind: "ServiceAccountList", Version: "v1",
		Namespaced: true, ShortNames: []string{"sa"}, Subresources: []string{"token"},
		New: func() Object { return &corev1.ServiceAccount{} }, NewList: func() runtime.Object { return &corev1.ServiceAccountList{} }},
	// Configuration: ConfigMaps as stored; Secrets sealed (their values
	// encrypted by the gateway before any event carries them).
	{Name: "configmaps", Singular: "configmap", Kind: "ConfigMap", ListKind: "ConfigMapList", Version: "v1",
		Namespaced: true, ShortNames: []string{"cm"},
		New: func() Object { return &corev1.ConfigMap{} }, NewList: func() runtime.Object { return &corev1.ConfigMapList{} }},
	{Name: "secrets", Singular: "secret", Kind: "Secret", ListKind: "SecretList", Version: "v1", Namespaced: true,
		New: func() Object { return &corev1.Secret{} }, NewList: func() runtime.Object { return &corev1.SecretList{} }},
	// Policy of a namespace's consumption, enforced by the gateway's
	// admission (quota/): ResourceQuota's status is derived at read time.
	{Name: "resourcequotas", Singular: "resourcequota", Kind: "ResourceQuota", ListKind: "ResourceQuotaList", Version: "v1",
		Namespaced: true, ShortNames: []string{"quota"}, Subresources: []string{"status"},
		New: func() Object { return &corev1.ResourceQuota{} }, NewList: func() runtime.Object { return &corev1.ResourceQuotaList{} }},
	{Name: "limitranges", Singular: "limitrange", Kind: "LimitRange", ListKind: "LimitRangeList", Version: "v1",
		Namespaced: true, ShortNames: []string{"limits"},
		New: func() Object { return &corev1.LimitRange{} }, NewList: func() runtime.Object { return &corev1.LimitRangeList{} }},
	{Name: "deployments", Singular: "deployment", Kind: "Deployment", ListKind: "DeploymentList", Group: "apps", Version: "v1", Namespaced: true,
		ShortNames: []string{"deploy"}, Subresources: []string{"status", "scale"},
		New: func() Object { return &appsv1.Deployment{} }, NewList: func() runtime.Object { return &appsv1.DeploymentList{} }},
	{Name: "replicasets", Singular: "replicaset", Kind: "ReplicaSet", ListKind: "ReplicaSetList", Group: "apps", Version: "v1", Namespaced: true,
		ShortNames: []string{"rs"}, Subresources: []string{"status", "scale"},
		New: func() Object { return &appsv1.ReplicaSet{} }, NewList: func() runtime.Object { return &appsv1.ReplicaSetList{} }},
	{Name: "replicationcontrollers", Singular: "replicationcontroller", Kind: "ReplicationController", ListKind: "ReplicationControllerList",
		Version: "v1", Namespaced: true, ShortNames: []string{"rc"}, Subresources: []string{"status", "scale"},
		New: func() Object { return &corev1.ReplicationController{} }, NewList: func() runtime.Object { return &corev1.ReplicationControllerList{} }},
	{Name: "statefulsets", Singular: "statefulset", Kind: "StatefulSet", ListKind: "StatefulSetList", Group: "apps", Version: "v1",
		Namespaced: true, ShortNames: []string{"sts"}, Subresources: []string{"status", "scale"},
		New: func() Object { return &appsv1.StatefulSet{} }, NewList: func() runtime.Object { return &appsv1.StatefulSetList{} }},
	// Storage: claims, the volumes that satisfy them, and the classes
	// that provision them (the local-path provisioner's by default).
	{Name: "persistentvolumeclaims", Singular: "persistentvolumeclaim", Kind: "PersistentVolumeClaim", ListKind: "PersistentVolumeClaimList",
		Version: "v1", Namespaced: true, ShortNames: []string{"pvc"}, Subresources: []string{"status"},
		New: func() Object { return &corev1.PersistentVolumeClaim{} }, NewList: func() runtime.Object { return &corev1.PersistentVolumeClaimList{} }},
	{Name: "persistentvolumes", Singular: "persistentvolume", Kind: "PersistentVolume", ListKind: "PersistentVolumeList",
		Version: "v1", ShortNames: []string{"pv"}, Subresources: []string{"status"},
		New: func() Object { return &corev1.PersistentVolume{} }, NewList: func() runtime.Object { return &corev1.PersistentVolumeList{} }},
	{Name: "storageclasses", Singular: "storageclass", Kind: "StorageClass", ListKind: "StorageClassList",
		Group: "storage.k8s.io", Version: "v1", ShortNames: []string{"sc"},
		New: func() Object { return &storagev1.StorageClass{} }, NewList: func() runtime.Object { return &storagev1.StorageClassList{} }},
	{Name: "daemonsets", Singular: "daemonset", Kind: "DaemonSet", ListKind: "DaemonSetList", Group: "apps", Version: "v1", Namespaced: true,
		ShortNames: []string{"ds"}, Subresources: []string{"status"},
		New: func() Object { return &appsv1.DaemonSet{} }, NewList: func() runtime.Object { return &appsv1.DaemonSetList{} }},
	{Name: "jobs", Singular: "job", Kind: "Job", ListKind: "JobList", Group: "batch", Version: "v1", Namespaced: true,
		Subresources: []string{"status"},
		New:          func() Object { return &batchv1.Job{} }, NewList: func() runtime.Object { return &batchv1.JobList{} }},
	{Name: "cronjobs", Singular: "cronjob", Kind: "CronJob", ListKind: "CronJobList", Group: "batch", Version: "v1", Namespaced: true,
		ShortNames: []string{"cj"}, Subresources: []string{"status"},
		New: func() Object { return &batchv1.CronJob{} }, NewList: func() runtime.Object { return &batchv1.CronJobList{} }},
	{Name: "ingresses", Singular: "ingress", Kind: "Ingress", ListKind: "IngressList", Group: "networking.k8s.io", Version: "v1",
		Namespaced: true, ShortNames: []string{"ing"}, Subresources: []string{"status"},
		New: func() Object { return &networkingv1.Ingress{} }, NewList: func() runtime.Object { return &networkingv1.IngressList{} }},
	// RBAC policy objects (rbac.authorization.k8s.io/v1), stored like any
	// other kind so the authorizer (authz/) can fold them from the log.
	{Name: "roles", Singular: "role", Kind: "Role", ListKind: "RoleList", Group: rbacv1.GroupName, Version: "v1", Namespaced: true,
		New: func() Object { return &rbacv1.Role{} }, NewList: func() runtime.Object { return &rbacv1.RoleList{} }},
	{Name: "rolebindings", Singular: "rolebinding", Kind: "RoleBinding", ListKind: "RoleBindingList", Group: rbacv1.GroupName, Version: "v1",
		Namespaced: true,
		New:        func() Object { return &rbacv1.RoleBinding{} }, NewList: func() runtime.Object { return &rbacv1.RoleBindingList{} }},
	{Name: "clusterroles", Singular: "clusterrole", Kind: "ClusterRole", ListKind: "ClusterRoleList", Group: rbacv1.GroupName, Version: "v1",
		New: func() Object { return &rbacv1.ClusterRole{} }, NewList: func() runtime.Object { return &rbacv1.ClusterRoleList{} }},
	{Name: "clusterrolebindings", Singular: "clusterrolebinding", Kind: "ClusterRoleBinding", ListKind: "ClusterRoleBindingList",
		Group: rbacv1.GroupName, Version: "v1",
		New: func() Object { return &rbacv1.ClusterRoleBinding{} }, NewList: func() runtime.Object { return &rbacv1.ClusterRoleBindingList{} }},
	// CustomResourceDefinitions: each defines a custom resource, registered
	// while it lives (customresources/, the projections).
	{Name: "customresourcedefinitions", Singular: "customresourcedefinition", Kind: "CustomResourceDefinition",
		ListKind: "CustomResourceDefinitionList", Group: "apiextensions.k8s.io", Version: "v1",
		ShortNames: []string{"crd", "crds"}, Subresources: []string{"status"},
		New:     func() Object { return &apiextensionsv1.CustomResourceDefinition{} },
		NewList: func() runtime.Object { return &apiextensionsv1.CustomResourceDefinitionList{} }},
	// events.k8s.io's Events (client-go's tools/events recorders), named
	// by group beside core/v1's; core/v1 lists them too (gateway).
	{Name: "events.events.k8s.io", Singular: "event", Kind: "Event", ListKind: "EventList", Group: "events.k8s.io",
		Version: "v1", Namespaced: true, ShortNames: []string{"ev"},
		New: func() Object { return &eventsv1.Event{} }, NewList: func() runtime.Object { return &eventsv1.EventList{} }},
	// Leases: what client-go's leader election holds and renews.
	{Name: "leases", Singular: "lease", Kind: "Lease", ListKind: "LeaseList", Group: "coordination.k8s.io", Version: "v1",
		Namespaced: true,
		New:        func() Object { return &coordinationv1.Lease{} }, NewList: func() runtime.Object { return &coordinationv1.LeaseList{} }},
	{Name: "endpointslices", Singular: "endpointslice", Kind: "EndpointSlice", ListKind: "EndpointSliceList",
		Group: "discovery.k8s.io", Version: "v1", Namespaced: true, Derived: true,
		New: func() Object { return &discoveryv1.EndpointSlice{} }, NewList: func() runtime.Object { return &discoveryv1.EndpointSliceList{} }},
	// A StatefulSet's or DaemonSet's revisions, derived from its history
	// (controllerrevisions/) rather than stored.
	{Name: "controllerrevisions", Singular: "controllerrevision", Kind: "ControllerRevision", ListKind: "ControllerRevisionList",
		Group: "apps", Version: "v1", Namespaced: true, Derived: true,
		New: func() Object { return &appsv1.ControllerRevision{} }, NewList: func() runtime.Object { return &appsv1.ControllerRevisionList{} }},
	// Events clients write (client-go's recorders) are stored; the gateway
	// lists them beside the ones it derives from the log (kevents).
	{Name: "events", Singular: "event", Kind: "Event", ListKind: "EventList", Version: "v1", Namespaced: true,
		ShortNames: []string{"ev"},
		New:        func() Object { return &corev1.Event{} }, NewList: func() runtime.Object { return &corev1.EventList{} }},
}

// builtIn fills in the verbs of the built-in resources.
func builtIn() []Resource {
	out := append([]Resource(nil), registry...)
	for i := range out {
		out[i].Verbs = allVerbs
		if out[i].Derived {
			out[i].Verbs = []string{"get", "list"}
		}
	}
	return out
}

// Lookup finds a resource by name: the plural of a built-in ("pods"), or
// plural.group of a custom resource ("foos.samplecontroller.k8s.io").
func Lookup(name string) (Resource, bool) {
	r, ok := current.Load().byName[name]
	return r, ok
}

// MustLookup is Lookup for names fixed in code.
func MustLookup(name string) Resource {
	r, ok := Lookup(name)
	if !ok {
		panic("events: unknown resource " + name)
	}
	return r
}

// LookupKind finds a resource by its kind, case-insensitively (a custom
// kind that a built-in also has: by kind.group).
func LookupKind(kind string) (Resource, bool) {
	r, ok := current.Load().byKind[strings.ToLower(kind)]
	return r, ok
}

// LookupREST finds the resource served at group version gv ("v1",
// "apps/v1") under plural.
func LookupREST(gv, plural string) (Resource, bool) {
	r, ok := Lookup(plural)
	if !ok || r.GroupVersion() != gv {
		group, _, found := strings.Cut(gv, "/")
		if !found {
			return Resource{}, false
		}
		if r, ok = Lookup(plural + "." + group); !ok || r.GroupVersion() != gv {
			return Resource{}, false
		}
	}
	return r, true
}

// Resources lists every registered resource, sorted by name.
func Resources() []Resource {
	return append([]Resource(nil), current.Load().list...)
}

// SetTypeMeta stamps apiVersion and kind on obj, as stored events carry them.
func (r Resource) SetTypeMeta(obj runtime.Object) {
	obj.GetObjectKind().SetGroupVersionKind(r.GVK())
}
