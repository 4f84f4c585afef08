package gateway

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// watchStream is an open watch; next reads one event with a deadline.
type watchStream struct {
	t      testing.TB
	lines  chan string
	cancel context.CancelFunc
	header http.Header
}

func (g *testGateway) watch(path string, header ...string) *watchStream {
	g.t.Helper()
	ctx, cancel := context.WithTimeout(g.t.Context(), 20*time.Second)
	req, err := http.NewRequestWithContext(ctx, "GET", g.http.URL+path, nil)
	if err != nil {
		g.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := g.client().Do(req)
	if err != nil {
		cancel()
		g.t.Fatalf("watch %s: %v", path, err)
	}
	if resp.StatusCode != http.StatusOK {
		cancel()
		g.t.Fatalf("watch %s: %d", path, resp.StatusCode)
	}
	ws := &watchStream{t: g.t, lines: make(chan string, 100), cancel: cancel, header: resp.Header}
	go func() {
		defer resp.Body.Close()
		defer close(ws.lines)
		sc := bufio.NewScanner(resp.Body)
		sc.Buffer(make([]byte, 1<<20), 1<<20)
		for sc.Scan() {
			ws.lines <- sc.Text()
		}
	}()
	g.t.Cleanup(cancel)
	return ws
}

type podEvent struct {
	Type   string     `json:"type"`
	Object corev1.Pod `json:"object"`
}

func (ws *watchStream) next() podEvent {
	ws.t.Helper()
	select {
	case line, ok := <-ws.lines:
		if !ok {
			ws.t.Fatal("watch stream ended")
		}
		var ev podEvent
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			ws.t.Fatalf("watch line %q: %v", line, err)
		}
		return ev
	case <-time.After(10 * time.Second):
		ws.t.Fatal("no watch event within 10s")
	}
	return podEvent{}
}

func (ws *watchStream) expect(typ, name string) podEvent {
	ws.t.Helper()
	ev := ws.next()
	if ev.Type != typ || ev.Object.Name != name {
		ws.t.Fatalf("want %s %s, got %s %s", typ, name, ev.Type, ev.Object.Name)
	}
	if ev.Object.Kind != "Pod" || ev.Object.ResourceVersion == "" {
		ws.t.Fatalf("event object lacks type or resourceVersion: %+v", ev.Object.TypeMeta)
	}
	return ev
}

func TestWatchReplaysFromResourceVersion(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	var l corev1.PodList
	g.must(http.StatusOK, "GET", podsPath("default"), nil).into(t, &l)
	start := l.ResourceVersion

	var p corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("w", map[string]string{"app": "w"}, "")).into(t, &p)
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("other", map[string]string{"app": "x"}, ""))
	g.must(http.StatusOK, "PATCH", podsPath("default")+"/w", `{"metadata":{"annotations":{"a":"b"}}}`,
		"Content-Type", "application/merge-patch+json").into(t, &p)
	var gone corev1.Pod
	g.must(http.StatusOK, "DELETE", podsPath("default")+"/w", nil).into(t, &gone)

	ws := g.watch(podsPath("default") + "?watch=true&labelSelector=app%3Dw&resourceVersion=" + start)
	ws.expect("ADDED", "w")
	if ev := ws.expect("MODIFIED", "w"); ev.Object.ResourceVersion != p.ResourceVersion || ev.Object.Annotations["a"] != "b" {
		t.Fatalf("modified: %+v", ev.Object.ObjectMeta)
	}
	if ev := ws.expect("DELETED", "w"); ev.Object.ResourceVersion != gone.ResourceVersion {
		t.Fatalf("deleted at %s, want %s", ev.Object.ResourceVersion, gone.ResourceVersion)
	}
	// Live events follow the replay.
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("w", map[string]string{"app": "w"}, ""))
	ws.expect("ADDED", "w")
	// Relabelling out of the selector is a DELETED for this watch.
	g.must(http.StatusOK, "PATCH", podsPath("default")+"/w", `{"metadata":{"labels":{"app":"gone"}}}`,
		"Content-Type", "application/merge-patch+json")
	ws.expect("DELETED", "w")
}

func TestWatchWithoutResourceVersionSendsCurrentThenChanges(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("a", nil, ""))
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("b", nil, "node-1"))
	ws := g.watch(podsPath("default") + "?watch=1&fieldSelector=spec.nodeName%3D")
	ws.expect("ADDED", "a")
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("c", nil, "node-1"))
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("d", nil, ""))
	ws.expect("ADDED", "d")
}

func TestWatchTimeoutEndsTheStream(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	ws := g.watch(podsPath("default") + "?watch=true&timeoutSeconds=1")
	select {
	case _, ok := <-ws.lines:
		if ok {
			t.Fatal("unexpected event")
		}
	case <-time.After(10 * time.Second):
		t.Fatal("stream did not end after timeoutSeconds")
	}
}

func TestWatchTableRows(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("t", nil, ""))
	ws := g.watch(podsPath("default")+"?watch=true&resourceVersion=1",
		"Accept", "application/json;as=Table;v=v1;g=meta.k8s.io")
	select {
	case line := <-ws.lines:
		var ev struct {
			Type   string       `json:"type"`
			Object metav1.Table `json:"object"`
		}
		if err := json.Unmarshal([]byte(line), &ev); err != nil {
			t.Fatal(err)
		}
		if ev.Type != "ADDED" || ev.Object.Kind != "Table" || len(ev.Object.Rows) != 1 || ev.Object.Rows[0].Cells[0] != "t" {
			t.Fatalf("table event: %s", line)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no table event")
	}
}

func TestWatchFromTrimmedHistoryIsGone(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	for i := range 5 {
		g.must(http.StatusCreated, "POST", podsPath("default"), pod(fmt.Sprintf("p%d", i), nil, ""))
	}
	_, last, err := g.log.Bounds(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if err := g.log.TrimBefore(t.Context(), last-1); err != nil {
		t.Fatal(err)
	}
	first, _, err := g.log.Bounds(t.Context())
	if err != nil || first <= 2 {
		t.Fatalf("bounds after purge: %d %v", first, err)
	}
	st := g.must(http.StatusGone, "GET", podsPath("default")+"?watch=true&resourceVersion=1", nil).status(t)
	if st.Reason != metav1.StatusReasonExpired || !strings.Contains(st.Message, "too old resource version") {
		t.Fatalf("gone: %+v", st)
	}
	// From the oldest kept event's predecessor the watch works.
	ws := g.watch(podsPath("default") + "?watch=true&resourceVersion=" + events.FormatRV(first-1))
	ws.expect("ADDED", "p3")
}
