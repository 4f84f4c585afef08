package apis

import (
	"bytes"
	"errors"
	"net/url"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestParseLogOptions(t *testing.T) {
	since := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		query string
		code  int32  // 0: parses
		msg   string // the error's message
		check func(*corev1.PodLogOptions) bool
	}{
		{query: "", check: func(o *corev1.PodLogOptions) bool {
			return !o.Follow && o.TailLines == nil && o.LimitBytes == nil && o.SinceTime == nil
		}},
		{query: "container=web&follow=true&previous=1&timestamps=true&tailLines=0&limitBytes=10&sinceSeconds=5",
			check: func(o *corev1.PodLogOptions) bool {
				return o.Container == "web" && o.Follow && o.Previous && o.Timestamps && *o.TailLines == 0 &&
					*o.LimitBytes == 10 && *o.SinceSeconds == 5
			}},
		{query: "sinceTime=2026-05-01T10:00:00Z", check: func(o *corev1.PodLogOptions) bool {
			return o.SinceTime.Time.Equal(since)
		}},
		{query: "follow=yes", code: 400, msg: `follow: invalid value "yes": want true or false`},
		{query: "tailLines=ten", code: 400, msg: `tailLines: invalid value "ten": want an integer`},
		{query: "sinceTime=yesterday", code: 400, msg: `sinceTime: invalid value "yesterday": want an RFC 3339 time`},
		{query: "tailLines=-1", code: 422,
			msg: `PodLogOptions "web-1" is invalid: tailLines: Invalid value: -1: must be greater than or equal to 0`},
		{query: "limitBytes=0", code: 422,
			msg: `PodLogOptions "web-1" is invalid: limitBytes: Invalid value: 0: must be greater than 0`},
		{query: "sinceSeconds=0", code: 422,
			msg: `PodLogOptions "web-1" is invalid: sinceSeconds: Invalid value: 0: must be greater than 0`},
		{query: "sinceSeconds=5&sinceTime=2026-05-01T10:00:00Z", code: 422,
			msg: "PodLogOptions \"web-1\" is invalid: []: Forbidden: at most one of `sinceTime` or `sinceSeconds` may be specified"},
	}
	for _, tc := range tests {
		t.Run(tc.query, func(t *testing.T) {
			q, err := url.ParseQuery(tc.query)
			if err != nil {
				t.Fatal(err)
			}
			o, err := ParseLogOptions("web-1", q)
			if tc.code == 0 {
				if err != nil || !tc.check(o) {
					t.Fatalf("options %+v, %v", o, err)
				}
				return
			}
			var st apierrors.APIStatus
			if !errors.As(err, &st) || st.Status().Code != tc.code || st.Status().Message != tc.msg {
				t.Fatalf("error %v, want %d %q", err, tc.code, tc.msg)
			}
		})
	}
}

func TestLogSince(t *testing.T) {
	now := time.Date(2026, 5, 1, 10, 0, 0, 0, time.UTC)
	secs := int64(90)
	at := metav1.NewTime(now.Add(-time.Hour))
	if got := LogSince(&corev1.PodLogOptions{SinceSeconds: &secs}, now); !got.Equal(now.Add(-90 * time.Second)) {
		t.Fatalf("sinceSeconds: %v", got)
	}
	if got := LogSince(&corev1.PodLogOptions{SinceTime: &at}, now); !got.Equal(at.Time) {
		t.Fatalf("sinceTime: %v", got)
	}
	if got := LogSince(&corev1.PodLogOptions{}, now); !got.IsZero() {
		t.Fatalf("no since: %v", got)
	}
}

const uid = "uid-1"

// logPod is a pod on node-1 with containers named names and statuses.
func logPod(names []string, statuses ...corev1.ContainerStatus) *corev1.Pod {
	p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-1", Namespace: "default", UID: uid},
		Spec: corev1.PodSpec{NodeName: "node-1"}, Status: corev1.PodStatus{ContainerStatuses: statuses}}
	for _, n := range names {
		p.Spec.Containers = append(p.Spec.Containers, corev1.Container{Name: n})
	}
	return p
}

func running(name string, restarts int32, lastID string) corev1.ContainerStatus {
	cs := corev1.ContainerStatus{Name: name, RestartCount: restarts, ContainerID: "process://c" + string('0'+rune(restarts)),
		State: corev1.ContainerState{Running: &corev1.ContainerStateRunning{}}}
	if lastID != "" {
		cs.LastTerminationState.Terminated = &corev1.ContainerStateTerminated{ContainerID: lastID}
	}
	return cs
}

func TestLogRun(t *testing.T) {
	crashLoop := corev1.ContainerStatus{Name: "app", RestartCount: 2, ContainerID: "process://c2",
		State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "process://c2"}}}
	completed := corev1.ContainerStatus{Name: "app", RestartCount: 1, ContainerID: "process://c1",
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "process://c1"}}}
	creating := corev1.ContainerStatus{Name: "app",
		State: corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "ContainerCreating"}}}
	unscheduled := logPod([]string{"app"})
	unscheduled.Spec.NodeName = ""
	withInit := logPod([]string{"a", "b"})
	withInit.Spec.InitContainers = []corev1.Container{{Name: "setup"}}
	runs := []events.LogAttempt{
		{Namespace: "default", Pod: "web-1", Container: "app", PodUID: "old", Attempt: 0},
		{Namespace: "default", Pod: "web-1", Container: "app", PodUID: uid, Attempt: 0},
		{Namespace: "default", Pod: "web-1", Container: "side", PodUID: uid, Attempt: 0},
		{Namespace: "default", Pod: "web-1", Container: "app", PodUID: uid, Attempt: 1},
	}
	tests := []struct {
		name      string
		pod       LogPod
		container string
		previous  bool
		uid       string
		attempt   int
		err       string // want a 400 (404 when "not found") with this message
	}{
		{name: "only container, running", pod: LogPod{Pod: logPod([]string{"app"}, running("app", 0, ""))}, attempt: 0},
		{name: "restarted: current run", pod: LogPod{Pod: logPod([]string{"app"}, running("app", 3, "process://c2"))}, attempt: 3},
		{name: "restarted: previous run", pod: LogPod{Pod: logPod([]string{"app"}, running("app", 3, "process://c2"))},
			previous: true, attempt: 2},
		{name: "crash loop shows the run that ended", pod: LogPod{Pod: logPod([]string{"app"}, crashLoop)}, attempt: 2},
		{name: "crash loop previous is that run too", pod: LogPod{Pod: logPod([]string{"app"}, crashLoop)}, previous: true, attempt: 2},
		{name: "terminated", pod: LogPod{Pod: logPod([]string{"app"}, completed)}, attempt: 1},
		{name: "never restarted has no previous", pod: LogPod{Pod: logPod([]string{"app"}, running("app", 0, ""))}, previous: true,
			err: `previous terminated container "app" in pod "web-1" not found`},
		{name: "waiting to start", pod: LogPod{Pod: logPod([]string{"app"}, creating)},
			err: `container "app" in pod "web-1" is waiting to start: ContainerCreating`},
		{name: "no status yet", pod: LogPod{Pod: logPod([]string{"app"})},
			err: `container "app" in pod "web-1" is not available`},
		{name: "not scheduled", pod: LogPod{Pod: unscheduled}, err: "pod web-1 does not have a host assigned"},
		{name: "several containers need a name", pod: LogPod{Pod: logPod([]string{"a", "b"})},
			err: "a container name must be specified for pod web-1, choose one of: [a b]"},
		{name: "init containers are offered", pod: LogPod{Pod: withInit},
			err: "a container name must be specified for pod web-1, choose one of: [a b] or one of the init containers: [setup]"},
		{name: "unknown container", pod: LogPod{Pod: logPod([]string{"app"})}, container: "nope",
			err: "container nope is not valid for pod web-1"},
		{name: "named container", pod: LogPod{Pod: logPod([]string{"a", "b"}, running("a", 0, ""), running("b", 1, ""))},
			container: "b", attempt: 1},
		{name: "gone pod without status: newest run in the stream", pod: LogPod{Pod: logPod([]string{"app"}), Gone: true, Runs: runs},
			attempt: 1},
		{name: "gone pod without status: previous run", pod: LogPod{Pod: logPod([]string{"app"}), Gone: true, Runs: runs},
			previous: true, attempt: 0},
		{name: "gone pod keeps its status's choice", pod: LogPod{Pod: logPod([]string{"app"}, completed), Gone: true, Runs: runs},
			attempt: 1},
		{name: "gone and unscheduled: no host needed", pod: LogPod{Pod: unscheduled, Gone: true},
			err: `container "app" in pod "web-1" is not available`},
		{name: "only the stream knows it: containers from the stream", pod: LogPod{Gone: true, Runs: runs},
			err: "a container name must be specified for pod web-1, choose one of: [app side]"},
		{name: "only the stream knows it: newest pod's run", pod: LogPod{Gone: true, Runs: runs}, container: "app", attempt: 1},
		{name: "only the stream knows it: no previous", pod: LogPod{Gone: true, Runs: runs}, container: "side", previous: true,
			err: `previous terminated container "side" in pod "web-1" not found`},
		{name: "unknown altogether", pod: LogPod{Gone: true}, err: `pods "web-1" not found`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.pod.Name = "web-1"
			run, err := LogRun(tc.pod, &corev1.PodLogOptions{Container: tc.container, Previous: tc.previous})
			if tc.err != "" {
				want := int32(400)
				if tc.pod.Pod == nil && len(tc.pod.Runs) == 0 {
					want = 404
				}
				var st apierrors.APIStatus
				if !errors.As(err, &st) || st.Status().Code != want || st.Status().Message != tc.err {
					t.Fatalf("got %+v, %v; want %d %q", run, err, want, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if run.PodUID != uid || run.Attempt != tc.attempt || run.Namespace != "default" || run.Pod != "web-1" {
				t.Fatalf("run %+v, want attempt %d of pod %s", run, tc.attempt, uid)
			}
		})
	}
}

func TestLogRunEnded(t *testing.T) {
	run := events.LogAttempt{Namespace: "default", Pod: "web-1", Container: "app", PodUID: uid, Attempt: 1}
	other := logPod([]string{"app"}, running("app", 1, ""))
	other.UID = "uid-2"
	crashLoop := corev1.ContainerStatus{Name: "app", RestartCount: 1, ContainerID: "process://c1",
		State:                corev1.ContainerState{Waiting: &corev1.ContainerStateWaiting{Reason: "CrashLoopBackOff"}},
		LastTerminationState: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "process://c1"}}}
	terminated := corev1.ContainerStatus{Name: "app", RestartCount: 1, ContainerID: "process://c1",
		State: corev1.ContainerState{Terminated: &corev1.ContainerStateTerminated{ContainerID: "process://c1"}}}
	tests := []struct {
		name  string
		pod   *corev1.Pod
		ended bool
	}{
		{"running", logPod([]string{"app"}, running("app", 1, "process://c0")), false},
		{"not started yet", logPod([]string{"app"}), false},
		{"pod gone", nil, true},
		{"another pod of the name", other, true},
		{"restarted since", logPod([]string{"app"}, running("app", 2, "process://c1")), true},
		{"terminated", logPod([]string{"app"}, terminated), true},
		{"waiting to restart after it", logPod([]string{"app"}, crashLoop), true},
	}
	for _, tc := range tests {
		if got := LogRunEnded(tc.pod, run); got != tc.ended {
			t.Errorf("%s: ended %v, want %v", tc.name, got, tc.ended)
		}
	}
}

func TestLogWriter(t *testing.T) {
	t0 := time.Date(2026, 5, 1, 10, 0, 0, 120000000, time.UTC)
	rec := func(sec int, data string, partial bool) *events.LogRecord {
		return &events.LogRecord{Time: t0.Add(time.Duration(sec) * time.Second), Data: []byte(data), Partial: partial}
	}
	records := []*events.LogRecord{rec(0, "one", false), rec(1, "tw", true), rec(1, "o", false), rec(2, "three", false)}
	tests := []struct {
		name   string
		writer LogWriter
		want   string
		ends   int  // lines reported ended
		limit  bool // the writer stops with ErrLogLimit
	}{
		{"plain, split line joined", LogWriter{}, "one\ntwo\nthree\n", 3, false},
		{"timestamps once per line", LogWriter{Timestamps: true},
			"2026-05-01T10:00:00.12Z one\n2026-05-01T10:00:01.12Z two\n2026-05-01T10:00:02.12Z three\n", 3, false},
		{"since", LogWriter{Since: t0.Add(time.Second)}, "two\nthree\n", 2, false},
		{"limit cuts inside a line", LogWriter{Limit: 6}, "one\ntw", 1, true},
		{"limit at a line end", LogWriter{Limit: 8}, "one\ntwo\n", 1, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			lw := tc.writer
			lw.W = &buf
			var err error
			ends := 0
			for _, r := range records {
				var ended bool
				if ended, err = lw.WriteRecord(r); err != nil {
					break
				}
				if ended {
					ends++
				}
			}
			if got := buf.String(); got != tc.want {
				t.Fatalf("wrote %q, want %q", got, tc.want)
			}
			if tc.limit != errors.Is(err, ErrLogLimit) || (!tc.limit && err != nil) {
				t.Fatalf("error %v", err)
			}
			if ends != tc.ends {
				t.Fatalf("%d line ends reported, want %d", ends, tc.ends)
			}
		})
	}
}
