package gateway

import (
	"net/http"
	"strings"
	"testing"
)

// Request hygiene, as kube-apiserver answers it.
func TestRequestHygiene(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	body := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"x"},"spec":{"containers":[{"name":"c","image":"jetplane/hello:1"}]}}`
	// A body of a type the server cannot read: 415, nothing stored.
	r := g.must(http.StatusUnsupportedMediaType, "POST", podsPath("default"), body, "Content-Type", "application/x-www-form-urlencoded")
	if st := r.status(t); !strings.Contains(st.Message, "application/x-www-form-urlencoded") {
		t.Fatalf("415: %s", st.Message)
	}
	g.must(http.StatusNotFound, "GET", podsPath("default")+"/x", nil)
	// YAML is read as kube-apiserver reads it.
	yamlPod := "apiVersion: v1\nkind: Pod\nmetadata:\n  name: from-yaml\nspec:\n  containers:\n  - name: c\n    image: jetplane/hello:1\n"
	g.must(http.StatusCreated, "POST", podsPath("default"), yamlPod, "Content-Type", "application/yaml")
	// A list at a resourceVersion that is no sequence, or with a continue
	// token never issued: 400 naming it.
	if st := g.must(http.StatusBadRequest, "GET", podsPath("default")+"?resourceVersion=abc", nil).status(t); !strings.Contains(st.Message, `"abc"`) {
		t.Fatalf("bad resourceVersion: %s", st.Message)
	}
	if st := g.must(http.StatusBadRequest, "GET", podsPath("default")+"?limit=5&continue=garbage", nil).status(t); !strings.Contains(st.Message, "continue") {
		t.Fatalf("bad continue: %s", st.Message)
	}
	// The bearer scheme is case-insensitive.
	g.must(http.StatusOK, "GET", podsPath("default"), nil, "Authorization", "bearer "+adminToken)
}
