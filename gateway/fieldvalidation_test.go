package gateway

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestFieldValidation(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	unknown := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s"},"spec":{"bogus":1,"containers":[{"name":"app","image":"jetplane/hello:1"}]}}`
	duplicate := `{"apiVersion":"v1","kind":"Pod","metadata":{"name":"%s","name":"%[1]s"},"spec":{"containers":[{"name":"app","image":"jetplane/hello:1"}]}}`
	cases := []struct {
		name, query, body string
		code              int
		message, warning  string
	}{
		{"strict refuses an unknown field", "?fieldValidation=Strict", unknown, http.StatusBadRequest,
			`Pod in version "v1" cannot be handled as a Pod: strict decoding error: unknown field "spec.bogus"`, ""},
		{"strict refuses a duplicate field", "?fieldValidation=Strict", duplicate, http.StatusBadRequest,
			`strict decoding error: duplicate field "metadata.name"`, ""},
		{"warn is the default", "", unknown, http.StatusCreated, "", `299 - "unknown field \"spec.bogus\""`},
		{"warn", "?fieldValidation=Warn", unknown, http.StatusCreated, "", `299 - "unknown field \"spec.bogus\""`},
		{"ignore", "?fieldValidation=Ignore", unknown, http.StatusCreated, "", ""},
		{"an unknown directive is a bad request", "?fieldValidation=Loose", unknown, http.StatusBadRequest,
			`fieldValidation: unsupported value "Loose"`, ""},
	}
	for i, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			name := fmt.Sprintf("p%d", i)
			r := g.do("POST", podsPath("default")+c.query, fmt.Sprintf(c.body, name))
			if r.code != c.code {
				t.Fatalf("want %d, got %d: %s", c.code, r.code, r.body)
			}
			if c.message != "" {
				if st := r.status(t); !strings.Contains(st.Message, c.message) {
					t.Fatalf("message %q, want it to contain %q", st.Message, c.message)
				}
				// Nothing was stored.
				g.must(http.StatusNotFound, "GET", podsPath("default")+"/"+name, nil)
			}
			if got := r.header.Get("Warning"); got != c.warning {
				t.Fatalf("Warning header %q, want %q", got, c.warning)
			}
		})
	}

	// A patch that brings an unknown field is refused under Strict too, and
	// the stored pod is unchanged.
	r := g.do("PATCH", podsPath("default")+"/p2?fieldValidation=Strict", `{"spec":{"other":2}}`,
		"Content-Type", "application/merge-patch+json")
	if r.code != http.StatusBadRequest || !strings.Contains(string(r.body), `unknown field \"spec.other\"`) {
		t.Fatalf("strict patch: %d %s", r.code, r.body)
	}
}

func TestOpenAPIV3AdvertisesFieldValidation(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	var root struct {
		Paths map[string]struct {
			ServerRelativeURL string `json:"serverRelativeURL"`
		} `json:"paths"`
	}
	g.must(http.StatusOK, "GET", "/openapi/v3", nil).into(t, &root)
	apps, ok := root.Paths["apis/apps/v1"]
	if !ok || root.Paths["api/v1"].ServerRelativeURL == "" {
		t.Fatalf("root: %+v", root)
	}
	var doc struct {
		Paths map[string]struct {
			Patch struct {
				GVK        map[string]string `json:"x-kubernetes-group-version-kind"`
				Parameters []struct{ Name, In string }
			} `json:"patch"`
		} `json:"paths"`
	}
	g.must(http.StatusOK, "GET", apps.ServerRelativeURL, nil).into(t, &doc)
	item, ok := doc.Paths["/apis/apps/v1/namespaces/{namespace}/deployments/{name}"]
	if !ok || item.Patch.GVK["kind"] != "Deployment" || item.Patch.GVK["group"] != "apps" {
		t.Fatalf("deployments path: %+v", doc.Paths)
	}
	found := false
	for _, p := range item.Patch.Parameters {
		found = found || (p.Name == "fieldValidation" && p.In == "query")
	}
	if !found {
		t.Fatalf("no fieldValidation query parameter: %+v", item.Patch.Parameters)
	}
	g.must(http.StatusNotFound, "GET", "/openapi/v3/apis/nope/v1", nil)
}
