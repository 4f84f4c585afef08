package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	cloudevents "github.com/cloudevents/sdk-go/v2/event"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
)

// auditLines reads a finished (not following) JSON-lines audit stream and
// parses each line with the CloudEvents SDK, as an auditor would.
func auditLines(t *testing.T, g *testGateway, query string) []cloudevents.Event {
	t.Helper()
	r := g.must(http.StatusOK, "GET", jetplaneapi.AuditPath+query, nil)
	var out []cloudevents.Event
	for _, line := range strings.Split(strings.TrimSpace(string(r.body)), "\n") {
		if line == "" {
			continue
		}
		ce := cloudevents.New()
		if err := json.Unmarshal([]byte(line), &ce); err != nil {
			t.Fatalf("line %q: %v", line, err)
		}
		if err := ce.Validate(); err != nil {
			t.Fatalf("invalid CloudEvent %q: %v", line, err)
		}
		out = append(out, ce)
	}
	return out
}

func ext(ce cloudevents.Event, name string) string {
	v, _ := ce.Extensions()[name].(string)
	return v
}

func TestAuditStreamFiltersByActorAndObject(t *testing.T) {
	t.Parallel()
	g := startGateway(t, map[string]string{"tok-alice": "alice", "tok-bob": "bob"})
	g.token = "tok-alice"
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("a", nil, ""))
	g.token = "tok-bob"
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("b", nil, ""))
	g.must(http.StatusOK, "PATCH", podsPath("default")+"/a", `{"metadata":{"labels":{"x":"1"}}}`,
		"Content-Type", "application/merge-patch+json")

	bob := auditLines(t, g, "?actor=bob")
	if len(bob) != 2 {
		t.Fatalf("bob's events: %d", len(bob))
	}
	for _, ce := range bob {
		if ext(ce, "actor") != "bob" || ext(ce, "sequence") == "" || !strings.HasPrefix(ce.Type(), "dev.jetplane.pod.") {
			t.Fatalf("event %s", ce)
		}
	}
	podA := auditLines(t, g, "?resource=pods&namespace=default&name=a")
	if len(podA) != 2 || podA[0].Type() != "dev.jetplane.pod.created" || podA[1].Type() != "dev.jetplane.pod.updated" ||
		ext(podA[0], "actor") != "alice" || ext(podA[1], "actor") != "bob" {
		t.Fatalf("history of pod a: %v", podA)
	}
	var data struct {
		Metadata struct{ Labels map[string]string }
	}
	if err := podA[1].DataAs(&data); err != nil || data.Metadata.Labels["x"] != "1" {
		t.Fatalf("data of the update: %v %+v", err, data)
	}
	if created := auditLines(t, g, "?resource=pods&type=created"); len(created) != 2 {
		t.Fatalf("created events: %d", len(created))
	}
	// From a sequence and from a time.
	seq, _ := strconv.ParseUint(ext(podA[1], "sequence"), 10, 64)
	if rest := auditLines(t, g, fmt.Sprintf("?resource=pods&from=%d", seq)); len(rest) != 1 || ext(rest[0], "sequence") != ext(podA[1], "sequence") {
		t.Fatalf("from %d: %v", seq, rest)
	}
	if none := auditLines(t, g, "?since="+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)); len(none) != 0 {
		t.Fatalf("since the future: %v", none)
	}
	if all := auditLines(t, g, "?resource=pods&since="+time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)); len(all) != 3 {
		t.Fatalf("since an hour ago: %d events", len(all))
	}

	for _, bad := range []string{"?resource=widgets", "?name=a", "?from=x", "?since=yesterday", "?follow=maybe"} {
		st := g.must(http.StatusBadRequest, "GET", jetplaneapi.AuditPath+bad, nil).status(t)
		param := strings.TrimPrefix(strings.SplitN(bad, "=", 2)[0], "?")
		if param == "name" {
			param = "resource"
		}
		if !strings.HasPrefix(st.Message, param+":") {
			t.Fatalf("%s: message %q does not name %s", bad, st.Message, param)
		}
	}
}

// sseClient reads Server-Sent Events until it has n of them, then hangs up.
func sseRead(t *testing.T, g *testGateway, query, lastID string, n int) (ids []string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", g.http.URL+jetplaneapi.AuditPath+query, nil)
	req.Header.Set("Accept", "text/event-stream")
	if lastID != "" {
		req.Header.Set("Last-Event-ID", lastID)
	}
	resp, err := g.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for len(ids) < n && sc.Scan() {
		if id, ok := strings.CutPrefix(sc.Text(), "id: "); ok {
			ids = append(ids, id)
		}
	}
	if len(ids) < n {
		t.Fatalf("stream ended after %d of %d events: %v", len(ids), n, sc.Err())
	}
	return ids
}

func TestAuditSSEResumesWithLastEventID(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	for i := range 3 {
		g.must(http.StatusCreated, "POST", podsPath("default"), pod(fmt.Sprintf("p%d", i), nil, ""))
	}
	first := sseRead(t, g, "?resource=pods", "", 2)
	// Disconnected after two; meanwhile more happens.
	for i := 3; i < 5; i++ {
		g.must(http.StatusCreated, "POST", podsPath("default"), pod(fmt.Sprintf("p%d", i), nil, ""))
	}
	// The reconnect gets exactly the rest (3 older, 2 newer), then follows
	// new events as they come.
	done := make(chan []string, 1)
	go func() { done <- sseRead(t, g, "?resource=pods", first[1], 4) }()
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("p5", nil, ""))
	rest := <-done
	seen := map[string]bool{}
	for _, id := range append(first, rest...) {
		if seen[id] {
			t.Fatalf("event %s seen twice: %v then %v", id, first, rest)
		}
		seen[id] = true
	}
	var l struct{ Items []json.RawMessage }
	g.must(http.StatusOK, "GET", podsPath("default"), nil).into(t, &l)
	if len(seen) != 6 || len(l.Items) != 6 {
		t.Fatalf("saw %d events of %d pods: %v then %v", len(seen), len(l.Items), first, rest)
	}
}
