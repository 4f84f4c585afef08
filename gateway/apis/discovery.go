package apis

import (
	"sort"

	"github.com/jetplane/jetplane/events"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// categoryAll lists the resources `kubectl get all` shows, as Kubernetes
// puts them in the "all" category.
var categoryAll = map[string]bool{
	"pods": true, "replicationcontrollers": true, "services": true, "daemonsets": true,
	"deployments": true, "replicasets": true, "statefulsets": true, "jobs": true,
	"cronjobs": true, "horizontalpodautoscalers": true,
}

// subresourceVerbs are the verbs of subresources other than the usual
// get/patch/update ones.
var subresourceVerbs = map[string][]string{
	"log":     {"get"},
	"exec":    {"create", "get"},
	"binding": {"create"},
	"token":   {"create"},
}

var writableSubresourceVerbs = []string{"get", "patch", "update"}

// APIVersions is the /api document: the core group's versions.
func APIVersions() *metav1.APIVersions {
	return &metav1.APIVersions{
		TypeMeta: metav1.TypeMeta{Kind: "APIVersions"},
		Versions: []string{"v1"},
		ServerAddressByClientCIDRs: []metav1.ServerAddressByClientCIDR{
			{ClientCIDR: "0.0.0.0/0", ServerAddress: ""}},
	}
}

// APIGroupList is the /apis document: every named group in the registry,
// so new groups appear as resources are registered.
func APIGroupList() *metav1.APIGroupList {
	versions := map[string][]string{}
	for _, r := range events.Resources() {
		if r.Group == "" || contains(versions[r.Group], r.Version) {
			continue
		}
		versions[r.Group] = append(versions[r.Group], r.Version)
	}
	versions[MetricsGroup] = []string{MetricsVersion}
	names := make([]string, 0, len(versions))
	for g := range versions {
		names = append(names, g)
	}
	sort.Strings(names)
	l := &metav1.APIGroupList{TypeMeta: metav1.TypeMeta{Kind: "APIGroupList", APIVersion: "v1"},
		Groups: make([]metav1.APIGroup, 0, len(names))}
	for _, g := range names {
		l.Groups = append(l.Groups, apiGroup(g, versions[g]))
	}
	return l
}

func apiGroup(name string, versions []string) metav1.APIGroup {
	sort.Strings(versions)
	g := metav1.APIGroup{TypeMeta: metav1.TypeMeta{Kind: "APIGroup", APIVersion: "v1"}, Name: name}
	for _, v := range versions {
		g.Versions = append(g.Versions, metav1.GroupVersionForDiscovery{GroupVersion: name + "/" + v, Version: v})
	}
	g.PreferredVersion = g.Versions[0]
	for _, v := range g.Versions {
		if v.Version == "v1" {
			g.PreferredVersion = v
		}
	}
	return g
}

// APIResourceList is the document of one group version ("v1", "apps/v1"):
// its resources and their subresources. It reports false for a group
// version Jetplane does not serve.
func APIResourceList(groupVersion string) (*metav1.APIResourceList, bool) {
	l := &metav1.APIResourceList{TypeMeta: metav1.TypeMeta{Kind: "APIResourceList", APIVersion: "v1"},
		GroupVersion: groupVersion, APIResources: []metav1.APIResource{}}
	if groupVersion == MetricsGroupVersion {
		l.APIResources = metricsResources()
		return l, true
	}
	found := false
	for _, r := range events.Resources() {
		if r.GroupVersion() != groupVersion {
			continue
		}
		found = true
		l.APIResources = append(l.APIResources, apiResource(r))
		for _, sub := range r.Subresources {
			l.APIResources = append(l.APIResources, apiSubresource(r, sub))
		}
	}
	return l, found
}

func apiResource(r events.Resource) metav1.APIResource {
	a := metav1.APIResource{
		Name:         r.Plural(),
		SingularName: r.Singular,
		Namespaced:   r.Namespaced,
		Kind:         r.Kind,
		Verbs:        append(metav1.Verbs(nil), r.Verbs...),
		ShortNames:   append([]string(nil), r.ShortNames...),
	}
	if categoryAll[r.Name] {
		a.Categories = []string{"all"}
	}
	return a
}

// apiSubresource describes "pods/status" and the like. The scale
// subresource speaks autoscaling/v1 Scale, as in Kubernetes.
func apiSubresource(r events.Resource, sub string) metav1.APIResource {
	a := metav1.APIResource{
		Name:       r.Plural() + "/" + sub,
		Namespaced: r.Namespaced,
		Kind:       r.Kind,
		Verbs:      writableSubresourceVerbs,
	}
	if v, ok := subresourceVerbs[sub]; ok {
		a.Verbs = v
	}
	if sub == "scale" {
		a.Group, a.Version, a.Kind = "autoscaling", "v1", "Scale"
	}
	a.Verbs = append(metav1.Verbs(nil), a.Verbs...)
	return a
}

// The resource metrics API (kubectl top), served from the node agents'
// usage reports rather than the log: not in the registry.
const (
	MetricsGroup        = "metrics.k8s.io"
	MetricsVersion      = "v1beta1"
	MetricsGroupVersion = MetricsGroup + "/" + MetricsVersion
)

func metricsResources() []metav1.APIResource {
	return []metav1.APIResource{
		{Name: "nodes", SingularName: "", Namespaced: false, Kind: "NodeMetrics", Verbs: metav1.Verbs{"get", "list"}},
		{Name: "pods", SingularName: "", Namespaced: true, Kind: "PodMetrics", Verbs: metav1.Verbs{"get", "list"}},
	}
}
