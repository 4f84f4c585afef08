package events

import (
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite golden files")

func goldenEvent() *Event {
	return &Event{
		ID:            "7d3c1a52-0000-4000-8000-000000000001",
		Source:        "jetplane/gateway/test",
		Type:          "dev.jetplane.deployment.scaled",
		Time:          time.Date(2026, 11, 22, 10, 0, 0, 123456789, time.UTC),
		Actor:         "alice",
		CorrelationID: "corr-1",
		CausationID:   "cause-1",
		Resource:      "deployments",
		Namespace:     "default",
		Name:          "web.v1",
		Data:          []byte(`{"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web.v1","namespace":"default"},"spec":{"replicas":3}}`),
	}
}

// render prints a message deterministically: subject, sorted headers, body.
func render(m *Message) string {
	var b strings.Builder
	b.WriteString("subject: " + m.Subject + "\n")
	keys := make([]string, 0, len(m.Header))
	for k := range m.Header {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		b.WriteString(k + ": " + strings.Join(m.Header[k], ",") + "\n")
	}
	b.WriteString("\n" + string(m.Data) + "\n")
	return b.String()
}

// matchGolden compares an encoding with testdata/<name>.golden (rewritten
// with -update).
func matchGolden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name+".golden")
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got != string(want) {
		t.Fatalf("encoding changed:\n--- got\n%s--- want\n%s", got, want)
	}
}

func TestEncodeGolden(t *testing.T) {
	cases := map[string]*Event{
		"namespaced": goldenEvent(),
		"cluster-scoped": {ID: "id-2", Source: "jetplane/nodeagent/n1", Type: "dev.jetplane.node.created",
			Time: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), Resource: "nodes", Name: "node-1.example.com",
			Data: []byte(`{"kind":"Node"}`)},
	}
	for name, ev := range cases {
		t.Run(name, func(t *testing.T) {
			m, err := Encode(ev)
			if err != nil {
				t.Fatal(err)
			}
			matchGolden(t, name, render(m))
			back, err := Decode(m.Subject, m.Header, m.Data, 42)
			if err != nil {
				t.Fatal(err)
			}
			ev.Seq = 42
			if !equalEvents(back, ev) {
				t.Fatalf("round trip:\n got %+v\nwant %+v", back, ev)
			}
		})
	}
}

func equalEvents(a, b *Event) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return string(ja) == string(jb)
}

func TestToCloudEventIsValid(t *testing.T) {
	ce, err := goldenEvent().ToCloudEvent()
	if err != nil {
		t.Fatal(err)
	}
	if ce.Extensions()["actor"] != "alice" || ce.Subject() != "default/web.v1" || ce.Type() != "dev.jetplane.deployment.scaled" {
		t.Fatalf("unexpected cloudevent %s", ce.String())
	}
}

func TestDecodeRejects(t *testing.T) {
	good, _ := Encode(goldenEvent())
	tests := []struct {
		name    string
		subject string
		mutate  func(h Header)
	}{
		{"foreign subject", "other.subject", func(Header) {}},
		{"short subject", "jetplane.ev.pods.default", func(Header) {}},
		{"wrong specversion", good.Subject, func(h Header) { h[HeaderSpecVersion] = []string{"0.3"} }},
		{"no id", good.Subject, func(h Header) { delete(h, HeaderID) }},
		{"bad time", good.Subject, func(h Header) { h[HeaderTime] = []string{"yesterday"} }},
		{"foreign type", good.Subject, func(h Header) { h[HeaderType] = []string{"com.example.x"} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := cloneHeader(good.Header)
			tc.mutate(h)
			if _, err := Decode(tc.subject, h, good.Data, 1); err == nil {
				t.Fatal("decoded a bad message")
			}
		})
	}
}

func TestSubjectTokens(t *testing.T) {
	tests := []struct{ resource, ns, name, subject string }{
		{"pods", "default", "web-1", "jetplane.ev.pods.default.web-1"},
		{"nodes", "", "node.a.b", "jetplane.ev.nodes._.node_a_b"},
		{"services", "team.x", "api", "jetplane.ev.services.team_x.api"},
	}
	for _, tc := range tests {
		s := Subject(tc.resource, tc.ns, tc.name)
		if s != tc.subject {
			t.Errorf("Subject = %q, want %q", s, tc.subject)
		}
		r, ns, n, err := ParseSubject(s)
		if err != nil || r != tc.resource || ns != tc.ns || n != tc.name {
			t.Errorf("ParseSubject(%q) = %q %q %q %v", s, r, ns, n, err)
		}
	}
}

// cloneHeader is a deep copy of h, for a test to spoil.
func cloneHeader(h Header) Header {
	out := Header{}
	for k, v := range h {
		out[k] = append([]string(nil), v...)
	}
	return out
}
