package events

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// parseRendered reads back a message in the golden files' format.
func parseRendered(t *testing.T, text string) *Message {
	t.Helper()
	head, body, ok := strings.Cut(text, "\n\n")
	if !ok {
		t.Fatalf("no blank line in %q", text)
	}
	m := &Message{Header: Header{}, Data: []byte(strings.TrimSuffix(body, "\n"))}
	for _, line := range strings.Split(head, "\n") {
		k, v, _ := strings.Cut(line, ": ")
		if k == "subject" {
			m.Subject = v
		} else {
			m.Header[k] = []string{v}
		}
	}
	return m
}

// Events stored by the first Jetplane (schema version 0, no schemaversion
// header) still replay, upcast to the current version.
func TestVersion0EventsAreUpcast(t *testing.T) {
	cases := []struct {
		file, wantCorrelation string
	}{
		{"namespaced", "corr-1"},   // caused: its correlation stays
		{"cluster-scoped", "id-2"}, // a root change now names itself
	}
	for _, c := range cases {
		data, err := os.ReadFile(filepath.Join("testdata", "v0", c.file+".golden"))
		if err != nil {
			t.Fatal(err)
		}
		m := parseRendered(t, string(data))
		if _, has := m.Header[HeaderSchemaVersion]; has {
			t.Fatalf("%s: a version 0 fixture carries a schema version", c.file)
		}
		ev, err := Decode(m.Subject, m.Header, m.Data, 7)
		if err != nil {
			t.Fatalf("%s: %v", c.file, err)
		}
		if ev.CorrelationID != c.wantCorrelation {
			t.Fatalf("%s: correlation %q, want %q", c.file, ev.CorrelationID, c.wantCorrelation)
		}
	}
	// An event from a newer Jetplane is refused, not misread.
	m, _ := Encode(goldenEvent())
	m.Header[HeaderSchemaVersion] = []string{"99"}
	if _, err := Decode(m.Subject, m.Header, m.Data, 8); !errors.Is(err, ErrBadEvent) {
		t.Fatalf("newer schema: %v", err)
	}
}
