package apirequest

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
)

// res is a resource request; the prefix follows from the group.
func res(verb, group, version, ns, resource, sub, name string) Info {
	prefix := "apis"
	if group == "" {
		prefix = "api"
	}
	return Info{ResourceRequest: true, Verb: verb, APIPrefix: prefix, APIGroup: group, APIVersion: version,
		Namespace: ns, Resource: resource, Subresource: sub, Name: name}
}

// nonRes is a non-resource request.
func nonRes(verb string) Info { return Info{Verb: verb} }

func withParts(i Info, parts ...string) Info { i.Parts = parts; return i }

func TestParse(t *testing.T) {
	const jp = "jetplane.dev"
	for _, tc := range []struct {
		method, url string
		want        Info
	}{
		// Non-resource paths the gateway serves.
		{"GET", "/healthz", nonRes("get")},
		{"GET", "/readyz", nonRes("get")},
		{"GET", "/livez", nonRes("get")},
		{"GET", "/version", nonRes("get")},
		{"GET", "/metrics", nonRes("get")},
		{"GET", "/openapi/v3", nonRes("get")},
		{"GET", "/openapi/v3/apis/apps/v1", nonRes("get")},
		{"GET", "/api", nonRes("get")},
		{"GET", "/api/v1", nonRes("get")},
		{"GET", "/apis", nonRes("get")},
		{"GET", "/apis/apps", nonRes("get")},
		{"GET", "/apis/apps/v1", nonRes("get")},
		{"GET", "/apis/jetplane.dev/v1", nonRes("get")},
		{"POST", "/nothing/here/at/all", nonRes("post")},
		{"HEAD", "/healthz", nonRes("head")},

		// Cluster-scoped: namespaces, nodes.
		{"GET", "/api/v1/namespaces", res("list", "", "v1", "", "namespaces", "", "")},
		{"GET", "/api/v1/namespaces?watch=true", res("watch", "", "v1", "", "namespaces", "", "")},
		{"POST", "/api/v1/namespaces", res("create", "", "v1", "", "namespaces", "", "")},
		{"GET", "/api/v1/namespaces/dev", withParts(res("get", "", "v1", "dev", "namespaces", "", "dev"), "namespaces", "dev")},
		{"PUT", "/api/v1/namespaces/dev", res("update", "", "v1", "dev", "namespaces", "", "dev")},
		{"DELETE", "/api/v1/namespaces/dev", res("delete", "", "v1", "dev", "namespaces", "", "dev")},
		{"PUT", "/api/v1/namespaces/dev/status", res("update", "", "v1", "dev", "namespaces", "status", "dev")},
		{"PUT", "/api/v1/namespaces/dev/finalize", res("update", "", "v1", "dev", "namespaces", "finalize", "dev")},
		{"GET", "/api/v1/nodes", res("list", "", "v1", "", "nodes", "", "")},
		{"GET", "/api/v1/nodes/n1", res("get", "", "v1", "", "nodes", "", "n1")},
		{"PATCH", "/api/v1/nodes/n1/status", res("patch", "", "v1", "", "nodes", "status", "n1")},
		{"DELETE", "/api/v1/nodes", res("deletecollection", "", "v1", "", "nodes", "", "")},

		// Namespaced core resources, every verb.
		{"GET", "/api/v1/pods", res("list", "", "v1", "", "pods", "", "")},
		{"GET", "/api/v1/pods?watch=1&resourceVersion=10", res("watch", "", "v1", "", "pods", "", "")},
		{"GET", "/api/v1/namespaces/dev/pods", withParts(res("list", "", "v1", "dev", "pods", "", ""), "pods")},
		{"GET", "/api/v1/namespaces/dev/pods?watch=false", res("list", "", "v1", "dev", "pods", "", "")},
		{"GET", "/api/v1/namespaces/dev/pods?watch=0", res("list", "", "v1", "dev", "pods", "", "")},
		{"GET", "/api/v1/namespaces/dev/pods?watch=yes", res("watch", "", "v1", "dev", "pods", "", "")},
		{"GET", "/api/v1/namespaces/dev/pods?fieldSelector=metadata.name%3Dweb", res("list", "", "v1", "dev", "pods", "", "web")},
		{"GET", "/api/v1/namespaces/dev/pods?watch=true&fieldSelector=metadata.name%3Dweb", res("watch", "", "v1", "dev", "pods", "", "web")},
		{"GET", "/api/v1/namespaces/dev/pods?fieldSelector=spec.nodeName%3Dn1", res("list", "", "v1", "dev", "pods", "", "")},
		{"GET", "/api/v1/namespaces/dev/pods?fieldSelector=metadata.name%3D..", res("list", "", "v1", "dev", "pods", "", "")},
		{"POST", "/api/v1/namespaces/dev/pods", res("create", "", "v1", "dev", "pods", "", "")},
		{"GET", "/api/v1/namespaces/dev/pods/web", res("get", "", "v1", "dev", "pods", "", "web")},
		{"HEAD", "/api/v1/namespaces/dev/pods/web", res("get", "", "v1", "dev", "pods", "", "web")},
		{"PUT", "/api/v1/namespaces/dev/pods/web", res("update", "", "v1", "dev", "pods", "", "web")},
		{"PATCH", "/api/v1/namespaces/dev/pods/web", res("patch", "", "v1", "dev", "pods", "", "web")},
		{"DELETE", "/api/v1/namespaces/dev/pods/web", res("delete", "", "v1", "dev", "pods", "", "web")},
		{"DELETE", "/api/v1/namespaces/dev/pods", res("deletecollection", "", "v1", "dev", "pods", "", "")},
		{"DELETE", "/api/v1/namespaces/dev/pods?fieldSelector=metadata.name%3Dweb", res("deletecollection", "", "v1", "dev", "pods", "", "")},
		{"OPTIONS", "/api/v1/namespaces/dev/pods/web", res("", "", "v1", "dev", "pods", "", "web")},
		{"PUT", "/api/v1/namespaces/dev/pods/web/status", res("update", "", "v1", "dev", "pods", "status", "web")},
		{"GET", "/api/v1/namespaces/dev/pods/web/log?container=app&follow=true", res("get", "", "v1", "dev", "pods", "log", "web")},
		{"POST", "/api/v1/namespaces/dev/pods/web/exec?command=sh", res("create", "", "v1", "dev", "pods", "exec", "web")},
		{"GET", "/api/v1/namespaces/dev/pods/web/exec?command=sh", res("create", "", "v1", "dev", "pods", "exec", "web")}, // WebSocket: create too, as kube-apiserver requires since 1.31
		{"GET", "/api/v1/namespaces/dev/pods/web/attach", res("create", "", "v1", "dev", "pods", "attach", "web")},
		{"POST", "/api/v1/namespaces/dev/pods/web/attach", res("create", "", "v1", "dev", "pods", "attach", "web")},
		{"POST", "/api/v1/namespaces/dev/pods/web/portforward", res("create", "", "v1", "dev", "pods", "portforward", "web")},
		{"GET", "/api/v1/namespaces/dev/pods/web:8080/proxy/metrics", withParts(
			res("get", "", "v1", "dev", "pods", "proxy", "web:8080"), "pods", "web:8080", "proxy", "metrics")},
		{"GET", "/api/v1/namespaces/dev/services", res("list", "", "v1", "dev", "services", "", "")},
		{"PUT", "/api/v1/namespaces/dev/services/web/status", res("update", "", "v1", "dev", "services", "status", "web")},
		// The gateway's service proxy.
		{"GET", "/api/v1/namespaces/dev/services/web/proxy/", res("get", "", "v1", "dev", "services", "proxy", "web")},
		{"POST", "/api/v1/namespaces/dev/services/https:web:443/proxy/a/b?x=1", withParts(
			res("create", "", "v1", "dev", "services", "proxy", "https:web:443"), "services", "https:web:443", "proxy", "a", "b")},
		{"GET", "/api/v1/namespaces/dev/endpoints/web", res("get", "", "v1", "dev", "endpoints", "", "web")},
		{"GET", "/api/v1/namespaces/dev/events", res("list", "", "v1", "dev", "events", "", "")},
		{"GET", "/api/v1/events?watch=true", res("watch", "", "v1", "", "events", "", "")},
		{"POST", "/api/v1/namespaces/dev/serviceaccounts/builder/token", res("create", "", "v1", "dev", "serviceaccounts", "token", "builder")},
		{"GET", "/api/v1/namespaces/dev/replicationcontrollers/rc/scale", res("get", "", "v1", "dev", "replicationcontrollers", "scale", "rc")},

		// Legacy verb prefixes.
		{"GET", "/api/v1/watch/pods", res("watch", "", "v1", "", "pods", "", "")},
		{"GET", "/api/v1/watch/namespaces/dev/pods", res("watch", "", "v1", "dev", "pods", "", "")},
		{"GET", "/api/v1/watch/namespaces/dev/pods/web", res("watch", "", "v1", "dev", "pods", "", "web")},
		{"GET", "/api/v1/watch/namespaces/dev", res("watch", "", "v1", "dev", "namespaces", "", "dev")},
		{"GET", "/api/v1/proxy/namespaces/dev/services/web:80/x/y", withParts(
			res("proxy", "", "v1", "dev", "services", "", "web:80"), "services", "web:80", "x", "y")},
		{"GET", "/api/v1/proxy/nodes/n1/stats", res("proxy", "", "v1", "", "nodes", "", "n1")},

		// Named groups.
		{"GET", "/apis/apps/v1/deployments", res("list", "apps", "v1", "", "deployments", "", "")},
		{"GET", "/apis/apps/v1/namespaces/dev/deployments?watch=true", res("watch", "apps", "v1", "dev", "deployments", "", "")},
		{"POST", "/apis/apps/v1/namespaces/dev/deployments", res("create", "apps", "v1", "dev", "deployments", "", "")},
		{"PATCH", "/apis/apps/v1/namespaces/dev/deployments/web", res("patch", "apps", "v1", "dev", "deployments", "", "web")},
		{"GET", "/apis/apps/v1/namespaces/dev/deployments/web/scale", res("get", "apps", "v1", "dev", "deployments", "scale", "web")},
		{"PUT", "/apis/apps/v1/namespaces/dev/deployments/web/scale", res("update", "apps", "v1", "dev", "deployments", "scale", "web")},
		{"PATCH", "/apis/apps/v1/namespaces/dev/deployments/web/scale", res("patch", "apps", "v1", "dev", "deployments", "scale", "web")},
		{"PUT", "/apis/apps/v1/namespaces/dev/deployments/web/status", res("update", "apps", "v1", "dev", "deployments", "status", "web")},
		{"PUT", "/apis/apps/v1/namespaces/dev/replicasets/rs/scale", res("update", "apps", "v1", "dev", "replicasets", "scale", "rs")},
		{"DELETE", "/apis/apps/v1/namespaces/dev/daemonsets/ds", res("delete", "apps", "v1", "dev", "daemonsets", "", "ds")},
		{"GET", "/apis/batch/v1/namespaces/dev/jobs", res("list", "batch", "v1", "dev", "jobs", "", "")},
		{"PUT", "/apis/batch/v1/namespaces/dev/cronjobs/nightly/status", res("update", "batch", "v1", "dev", "cronjobs", "status", "nightly")},
		{"GET", "/apis/networking.k8s.io/v1/ingresses", res("list", "networking.k8s.io", "v1", "", "ingresses", "", "")},
		{"GET", "/apis/discovery.k8s.io/v1/namespaces/dev/endpointslices", res("list", "discovery.k8s.io", "v1", "dev", "endpointslices", "", "")},

		// Jetplane's own endpoints.
		{"GET", "/apis/jetplane.dev/v1/audit", res("list", jp, "v1", "", "audit", "", "")},
		{"GET", "/apis/jetplane.dev/v1/audit?follow=true&resource=pods&namespace=dev", res("list", jp, "v1", "", "audit", "", "")},
		{"GET", "/apis/jetplane.dev/v1/audit?watch=true", res("list", jp, "v1", "", "audit", "", "")},
		{"GET", "/apis/jetplane.dev/v1/history/pods/dev/web?objects=true", withParts(
			res("get", jp, "v1", "dev", "history", "", "web"), "history", "pods", "dev", "web")},
		{"GET", "/apis/jetplane.dev/v1/history/nodes/n1", res("get", jp, "v1", "", "history", "", "n1")},
		{"GET", "/apis/jetplane.dev/v1/history/pods", res("get", jp, "v1", "", "history", "", "")},
		{"GET", "/apis/jetplane.dev/v1/horizon", res("get", jp, "v1", "", "horizon", "", "")},
		{"POST", "/apis/jetplane.dev/v1/restore", res("create", jp, "v1", "", "restore", "", "")},
		{"GET", "/apis/jetplane.dev/v1/restore", res("list", jp, "v1", "", "restore", "", "")},
		{"GET", "/apis/jetplane.dev/v1/namespaces/dev/deployments/web/revisions?asOfTime=2026-01-01T00:00:00Z",
			res("get", jp, "v1", "dev", "deployments", "revisions", "web")},
	} {
		t.Run(tc.method+" "+tc.url, func(t *testing.T) {
			got, err := FromRequest(httptest.NewRequest(tc.method, tc.url, nil))
			if err != nil {
				t.Fatal(err)
			}
			want := tc.want
			want.Path, _, _ = strings.Cut(tc.url, "?")
			if want.Parts == nil {
				want.Parts = got.Parts
			}
			if !equal(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func equal(a, b Info) bool {
	return a.ResourceRequest == b.ResourceRequest && a.Path == b.Path && a.Verb == b.Verb && a.APIPrefix == b.APIPrefix &&
		a.APIGroup == b.APIGroup && a.APIVersion == b.APIVersion && a.Namespace == b.Namespace && a.Resource == b.Resource &&
		a.Subresource == b.Subresource && a.Name == b.Name && slices.Equal(a.Parts, b.Parts)
}

func TestParseErrors(t *testing.T) {
	for _, p := range []string{"/api/v1/watch", "/apis/apps/v1/proxy"} {
		if _, err := Parse(http.MethodGet, p, nil); err == nil || !strings.Contains(err.Error(), "unable to determine kind and namespace") {
			t.Errorf("%s: err = %v", p, err)
		}
	}
}
