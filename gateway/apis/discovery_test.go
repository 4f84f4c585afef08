package apis

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/jetplane/jetplane/events"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestAPIVersions(t *testing.T) {
	v := APIVersions()
	if v.Kind != "APIVersions" || len(v.Versions) != 1 || v.Versions[0] != "v1" || len(v.ServerAddressByClientCIDRs) != 1 {
		t.Errorf("APIVersions %+v", v)
	}
}

func TestAPIGroupList(t *testing.T) {
	l := APIGroupList()
	if l.Kind != "APIGroupList" || l.APIVersion != "v1" {
		t.Errorf("type %+v", l.TypeMeta)
	}
	groups := map[string]metav1.APIGroup{}
	for _, g := range l.Groups {
		groups[g.Name] = g
	}
	tests := []struct {
		group, preferred string
	}{
		{"apps", "apps/v1"},
	}
	for _, tt := range tests {
		t.Run(tt.group, func(t *testing.T) {
			g, ok := groups[tt.group]
			if !ok {
				t.Fatalf("group %s missing from %+v", tt.group, l.Groups)
			}
			if g.PreferredVersion.GroupVersion != tt.preferred || len(g.Versions) == 0 || g.Kind != "APIGroup" {
				t.Errorf("group %+v", g)
			}
		})
	}
	for _, r := range events.Resources() {
		if _, ok := groups[r.Group]; r.Group != "" && !ok {
			t.Errorf("group of %s not listed", r.Name)
		}
	}
	if _, ok := groups[""]; ok {
		t.Errorf("core group listed under /apis")
	}
}

func TestAPIResourceList(t *testing.T) {
	tests := []struct {
		groupVersion string
		found        bool
		want         []string // name[shortNames]/namespaced/categories/verbs
	}{
		{"v1", true, []string{
			"endpoints [ep] true [] create,delete,deletecollection,get,list,patch,update,watch",
			"namespaces [ns] false [] create,delete,deletecollection,get,list,patch,update,watch",
			"namespaces/status [] false [] get,patch,update",
			"nodes [no] false [] create,delete,deletecollection,get,list,patch,update,watch",
			"pods [po] true [all] create,delete,deletecollection,get,list,patch,update,watch",
			"pods/status [] true [] get,patch,update",
			"pods/log [] true [] get",
			"services [svc] true [all] create,delete,deletecollection,get,list,patch,update,watch",
		}},
		{"apps/v1", true, []string{
			"deployments [deploy] true [all] create,delete,deletecollection,get,list,patch,update,watch",
			"replicasets [rs] true [all] create,delete,deletecollection,get,list,patch,update,watch",
		}},
		{"batch/v9", false, nil},
	}
	for _, tt := range tests {
		t.Run(tt.groupVersion, func(t *testing.T) {
			l, found := APIResourceList(tt.groupVersion)
			if found != tt.found {
				t.Fatalf("found %v", found)
			}
			if l.Kind != "APIResourceList" || l.GroupVersion != tt.groupVersion {
				t.Errorf("head %+v %s", l.TypeMeta, l.GroupVersion)
			}
			have := map[string]bool{}
			for _, a := range l.APIResources {
				have[describe(a)] = true
			}
			for _, w := range tt.want {
				if !have[w] {
					t.Errorf("missing %q in %v", w, have)
				}
			}
		})
	}
}

// Every registered resource and subresource is discoverable, with the
// registry's kind and short names.
func TestDiscoveryCoversRegistry(t *testing.T) {
	for _, r := range events.Resources() {
		t.Run(r.Name, func(t *testing.T) {
			l, ok := APIResourceList(r.GroupVersion())
			if !ok {
				t.Fatalf("%s not served", r.GroupVersion())
			}
			byName := map[string]metav1.APIResource{}
			for _, a := range l.APIResources {
				byName[a.Name] = a
			}
			a, ok := byName[r.Plural()]
			if !ok || a.Kind != r.Kind || a.SingularName != r.Singular || len(a.ShortNames) != len(r.ShortNames) {
				t.Errorf("resource %+v", a)
			}
			for _, sub := range r.Subresources {
				if _, ok := byName[r.Plural()+"/"+sub]; !ok {
					t.Errorf("subresource %s/%s missing", r.Name, sub)
				}
			}
			if _, err := json.Marshal(l); err != nil {
				t.Error(err)
			}
		})
	}
}

func TestSubresourceShapes(t *testing.T) {
	tests := []struct {
		sub  string
		want string
	}{
		{"status", "pods/status [] true [] get,patch,update Pod"},
		{"scale", "pods/scale [] true [] get,patch,update autoscaling/v1 Scale"},
		{"log", "pods/log [] true [] get Pod"},
	}
	for _, tt := range tests {
		t.Run(tt.sub, func(t *testing.T) {
			a := apiSubresource(res("pods"), tt.sub)
			got := describe(a) + " " + a.Kind
			if a.Group != "" {
				got = describe(a) + " " + a.Group + "/" + a.Version + " " + a.Kind
			}
			if got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func describe(a metav1.APIResource) string {
	return a.Name + " [" + strings.Join(a.ShortNames, ",") + "] " + boolString(a.Namespaced) +
		" [" + strings.Join(a.Categories, ",") + "] " + strings.Join(a.Verbs, ",")
}

func boolString(b bool) string {
	if b {
		return "true"
	}
	return "false"
}
