package gateway

import (
	"bufio"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// runningPod creates a pod on node-1 whose container "app" runs its attempt
// restarts (the run before it ended), as a node agent reports it.
func runningPod(t *testing.T, g *testGateway, name string, restarts int32) *corev1.Pod {
	t.Helper()
	var p corev1.Pod
	g.must(http.StatusCreated, "POST", podsPath("default"), pod(name, nil, "node-1")).into(t, &p)
	cs := corev1.ContainerStatus{Name: "app", RestartCount: restarts, ContainerID: fmt.Sprintf("process://%s-%d", name, restarts),
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	if restarts > 0 {
		cs.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ExitCode: 1,
			ContainerID: fmt.Sprintf("process://%s-%d", name, restarts-1)}
	}
	p.Status = corev1.PodStatus{Phase: corev1.PodRunning, ContainerStatuses: []corev1.ContainerStatus{cs}}
	g.must(http.StatusOK, "PUT", podsPath("default")+"/"+name+"/status", &p).into(t, &p)
	return &p
}

// writeLines stores lines as the output of one run of container "app".
func writeLines(t *testing.T, g *testGateway, p *corev1.Pod, attempt int, firstLine uint64, at time.Time, lines ...string) {
	t.Helper()
	run := events.LogAttempt{Node: p.Spec.NodeName, Namespace: p.Namespace, Pod: p.Name, Container: "app", PodUID: string(p.UID), Attempt: attempt}
	var recs []*events.LogRecord
	for i, l := range lines {
		n := firstLine + uint64(i)
		pieces := events.SplitLogLine([]byte(l), 8) // small pieces: every reader must join them
		for j, piece := range pieces {
			recs = append(recs, &events.LogRecord{LogAttempt: run, Stream: events.LogStdout, Line: n,
				Time: at.Add(time.Duration(i) * time.Second), Partial: j < len(pieces)-1, Data: piece})
		}
	}
	if stored, err := g.log.PublishLogs(t.Context(), recs); err != nil || stored != len(recs) {
		t.Fatalf("stored %d of %d records: %v", stored, len(recs), err)
	}
}

func logPath(name, query string) string {
	return podsPath("default") + "/" + name + "/log?" + query
}

func TestPodLogParameters(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	p := runningPod(t, g, "web", 1)
	t0 := time.Now().Add(-10 * time.Minute).UTC().Truncate(time.Second)
	writeLines(t, g, p, 0, 1, t0.Add(-time.Hour), "crashed: first run", "panic: gone")
	writeLines(t, g, p, 1, 1, t0, "starting", "listening on 127.0.0.2:8080 after a long warm-up", "GET /hi/a")
	writeLines(t, g, p, 1, 4, time.Now().UTC(), "GET /hi/b")

	tests := []struct{ query, want string }{
		{"", "starting\nlistening on 127.0.0.2:8080 after a long warm-up\nGET /hi/a\nGET /hi/b\n"},
		{"container=app&previous=true", "crashed: first run\npanic: gone\n"},
		{"tailLines=2", "GET /hi/a\nGET /hi/b\n"},
		{"tailLines=3", "listening on 127.0.0.2:8080 after a long warm-up\nGET /hi/a\nGET /hi/b\n"},
		{"tailLines=100", "starting\nlistening on 127.0.0.2:8080 after a long warm-up\nGET /hi/a\nGET /hi/b\n"},
		{"tailLines=0", ""},
		{"limitBytes=12", "starting\nlis"},
		{"sinceSeconds=60", "GET /hi/b\n"},
		{"sinceTime=" + t0.Add(time.Second).Format(time.RFC3339), "listening on 127.0.0.2:8080 after a long warm-up\nGET /hi/a\nGET /hi/b\n"},
		{"sinceSeconds=60&tailLines=3", "GET /hi/b\n"},
		{"timestamps=true&tailLines=2&previous=true", t0.Add(-time.Hour).Format(time.RFC3339Nano) + " crashed: first run\n" +
			t0.Add(-time.Hour+time.Second).Format(time.RFC3339Nano) + " panic: gone\n"},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			r := g.must(http.StatusOK, "GET", logPath("web", tc.query), nil)
			if string(r.body) != tc.want {
				t.Fatalf("got %q, want %q", r.body, tc.want)
			}
			if ct := r.header.Get("Content-Type"); ct != "text/plain" {
				t.Fatalf("Content-Type %q", ct)
			}
		})
	}
}

func TestPodLogErrors(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	runningPod(t, g, "web", 0)
	two := pod("two", nil, "node-1")
	two["spec"].(map[string]any)["containers"] = []any{
		map[string]any{"name": "a", "image": "jetplane/hello:1"}, map[string]any{"name": "b", "image": "jetplane/hello:1"}}
	g.must(http.StatusCreated, "POST", podsPath("default"), two)
	g.must(http.StatusCreated, "POST", podsPath("default"), pod("pending", nil, ""))
	tests := []struct {
		method, path string
		code         int32
		msg          string
	}{
		{"GET", logPath("two", ""), 400, "a container name must be specified for pod two, choose one of: [a b]"},
		{"GET", logPath("web", "container=nope"), 400, "container nope is not valid for pod web"},
		{"GET", logPath("web", "previous=true"), 400, `previous terminated container "app" in pod "web" not found`},
		{"GET", logPath("two", "container=a"), 400, `container "a" in pod "two" is not available`},
		{"GET", logPath("pending", ""), 400, "pod pending does not have a host assigned"},
		{"GET", logPath("web", "tailLines=x"), 400, `tailLines: invalid value "x": want an integer`},
		{"GET", logPath("web", "tailLines=-5"), 422, `PodLogOptions "web" is invalid: tailLines: Invalid value: -5: must be greater than or equal to 0`},
		{"GET", logPath("nobody", ""), 404, `pods "nobody" not found`},
		{"POST", logPath("web", ""), 405, ""},
	}
	for _, tc := range tests {
		t.Run(tc.method+" "+tc.path, func(t *testing.T) {
			st := g.must(int(tc.code), tc.method, tc.path, nil).status(t)
			if st.Code != tc.code || (tc.msg != "" && st.Message != tc.msg) {
				t.Fatalf("status %d %q, want %d %q", st.Code, st.Message, tc.code, tc.msg)
			}
		})
	}
}

// follow starts a followed log request and returns its lines as they come.
func follow(t *testing.T, g *testGateway, path string) <-chan string {
	t.Helper()
	req, err := http.NewRequestWithContext(t.Context(), "GET", g.http.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := g.client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("follow %s: %s", path, resp.Status)
	}
	lines := make(chan string, 100)
	go func() {
		defer resp.Body.Close()
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}

// next is the next followed line; "" with ok false once the stream ended.
func next(t *testing.T, lines <-chan string) (string, bool) {
	t.Helper()
	select {
	case l, ok := <-lines:
		return l, ok
	case <-time.After(20 * time.Second):
		t.Fatal("no line and no end within 20s")
		return "", false
	}
}

func TestPodLogFollowEndsWithTheRun(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	p := runningPod(t, g, "web", 0)
	writeLines(t, g, p, 0, 1, time.Now(), "before")
	lines := follow(t, g, logPath("web", "follow=true&tailLines=1"))
	if l, _ := next(t, lines); l != "before" {
		t.Fatalf("first followed line %q", l)
	}
	writeLines(t, g, p, 0, 2, time.Now(), "a line written while following")
	if l, _ := next(t, lines); l != "a line written while following" {
		t.Fatalf("followed %q", l)
	}
	// The container ends: the stream ends, after the last line.
	p.Status.ContainerStatuses[0].State = corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{
		ExitCode: 0, Reason: "Completed", ContainerID: p.Status.ContainerStatuses[0].ContainerID}}
	g.must(http.StatusOK, "PUT", podsPath("default")+"/web/status", p)
	writeLines(t, g, p, 0, 3, time.Now(), "last words")
	if l, _ := next(t, lines); l != "last words" {
		t.Fatalf("followed %q", l)
	}
	if l, ok := next(t, lines); ok {
		t.Fatalf("still following after the run ended: %q", l)
	}
}

func TestPodLogOfGonePods(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	p := runningPod(t, g, "web", 1)
	writeLines(t, g, p, 0, 1, time.Now(), "first run")
	writeLines(t, g, p, 1, 1, time.Now(), "second run")
	lines := follow(t, g, logPath("web", "follow=true"))
	if l, _ := next(t, lines); l != "second run" {
		t.Fatalf("followed %q", l)
	}
	g.must(http.StatusOK, "DELETE", podsPath("default")+"/web", map[string]any{"gracePeriodSeconds": 0})
	if l, ok := next(t, lines); ok {
		t.Fatalf("still following a deleted pod: %q", l)
	}
	g.must(http.StatusNotFound, "GET", podsPath("default")+"/web", nil)
	// Its last state (the deleted event) says which runs there were.
	if r := g.must(http.StatusOK, "GET", logPath("web", ""), nil); string(r.body) != "second run\n" {
		t.Fatalf("gone pod's log %q", r.body)
	}
	if r := g.must(http.StatusOK, "GET", logPath("web", "previous=true"), nil); string(r.body) != "first run\n" {
		t.Fatalf("gone pod's previous log %q", r.body)
	}
	// Following a gone pod shows what there is, then ends.
	lines = follow(t, g, logPath("web", "follow=true"))
	if l, _ := next(t, lines); l != "second run" {
		t.Fatalf("followed %q", l)
	}
	if l, ok := next(t, lines); ok {
		t.Fatalf("still following: %q", l)
	}

	// A pod the event log never knew (trimmed): its output alone is served,
	// its containers as the stream lists them.
	ghost := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "ghost", UID: "ghost-uid"}, Spec: corev1.PodSpec{NodeName: "gone-node"}}
	writeLines(t, g, ghost, 0, 1, time.Now(), "boo")
	if r := g.must(http.StatusOK, "GET", logPath("ghost", "container=app"), nil); string(r.body) != "boo\n" {
		t.Fatalf("ghost's log %q", r.body)
	}
	if r := g.must(http.StatusOK, "GET", logPath("ghost", ""), nil); string(r.body) != "boo\n" {
		t.Fatalf("the only container of a ghost needs no name: %q", r.body)
	}
}
