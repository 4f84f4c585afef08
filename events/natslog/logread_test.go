package natslog_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
)

// writeRun stores n lines of one run, interleaved with another run's lines
// so that the run's sequences have holes.
func writeRun(t *testing.T, l *natslog.Log, run events.LogAttempt, n int, start time.Time) {
	t.Helper()
	other := run
	other.Container = "sidecar"
	var recs []*events.LogRecord
	for i := 1; i <= n; i++ {
		at := start.Add(time.Duration(i) * time.Second)
		recs = append(recs,
			&events.LogRecord{LogAttempt: run, Stream: events.LogStdout, Line: uint64(i), Time: at, Data: fmt.Appendf(nil, "line %d", i)},
			&events.LogRecord{LogAttempt: other, Stream: events.LogStderr, Line: uint64(i), Time: at, Data: []byte("noise")})
	}
	stored, err := l.PublishLogs(t.Context(), recs)
	if err != nil || stored != len(recs) {
		t.Fatalf("published %d of %d: %v", stored, len(recs), err)
	}
}

func readAll(t *testing.T, l *natslog.Log, run events.LogAttempt, from, to uint64) []string {
	t.Helper()
	var lines []string
	err := l.ReadLogs(t.Context(), run, from, to, func(r *events.LogRecord) error {
		lines = append(lines, string(r.Data))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestLogRunsReadSearchAndList(t *testing.T) {
	t.Parallel()
	l := eventstest.Log(t)
	ctx := t.Context()
	run := events.LogAttempt{Node: "n1", Namespace: "default", Pod: "web", Container: "app", PodUID: "uid-1", Attempt: 0}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	writeRun(t, l, run, 10, start)

	last, err := l.LastLogRecord(ctx, run)
	if err != nil || last == nil || last.Line != 10 || string(last.Data) != "line 10" {
		t.Fatalf("last record %+v, %v", last, err)
	}
	if got := readAll(t, l, run, 0, last.Seq); len(got) != 10 || got[0] != "line 1" || got[9] != "line 10" {
		t.Fatalf("read %q", got)
	}

	// The last three lines, found without reading the run.
	from, err := l.LogSeqWhere(ctx, last, func(r *events.LogRecord) bool { return r.Line >= 8 })
	if err != nil {
		t.Fatal(err)
	}
	if got := readAll(t, l, run, from, last.Seq); fmt.Sprint(got) != "[line 8 line 9 line 10]" {
		t.Fatalf("tail read %q", got)
	}
	// Lines since a time; none after the last; all before the first.
	cases := []struct {
		since time.Time
		want  int
	}{
		{start.Add(6 * time.Second), 5},
		{start.Add(time.Hour), 0},
		{start.Add(-time.Hour), 10},
	}
	for _, c := range cases {
		from, err := l.LogSeqWhere(ctx, last, func(r *events.LogRecord) bool { return !r.Time.Before(c.since) })
		if err != nil {
			t.Fatal(err)
		}
		if got := readAll(t, l, run, from, last.Seq); len(got) != c.want {
			t.Fatalf("since %v: read %q, want %d lines", c.since, got, c.want)
		}
	}

	// A second run of the same pod name (a new pod) lists after the first.
	newer := run
	newer.PodUID, newer.Attempt = "uid-2", 1
	writeRun(t, l, newer, 2, start.Add(time.Minute))
	runs, err := l.LogAttempts(ctx, "default", "web")
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 4 || runs[3].PodUID != "uid-2" || runs[3].Records != 2 {
		t.Fatalf("runs %+v", runs)
	}
	none, err := l.LastLogRecord(ctx, events.LogAttempt{Node: "n1", Namespace: "default", Pod: "web", Container: "app", PodUID: "uid-1", Attempt: 5})
	if err != nil || none != nil {
		t.Fatalf("a run that never wrote: %+v, %v", none, err)
	}
}

func TestReadLogsFollowsNewRecords(t *testing.T) {
	t.Parallel()
	l := eventstest.Log(t)
	run := events.LogAttempt{Node: "n1", Namespace: "default", Pod: "web", Container: "app", PodUID: "uid-1"}
	ctx, cancel := context.WithTimeout(t.Context(), 30*time.Second)
	defer cancel()
	got := make(chan string, 10)
	done := make(chan error, 1)
	go func() {
		done <- l.ReadLogs(ctx, run, 0, 0, func(r *events.LogRecord) error {
			got <- string(r.Data)
			return nil
		})
	}()
	for i := 1; i <= 3; i++ {
		rec := &events.LogRecord{LogAttempt: run, Stream: events.LogStdout, Line: uint64(i), Time: time.Now(), Data: fmt.Appendf(nil, "n%d", i)}
		if _, err := l.PublishLogs(ctx, []*events.LogRecord{rec}); err != nil {
			t.Fatal(err)
		}
		select {
		case line := <-got:
			if line != fmt.Sprintf("n%d", i) {
				t.Fatalf("followed %q, want n%d", line, i)
			}
		case <-ctx.Done():
			t.Fatal("no record followed")
		}
	}
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("follow ended with %v", err)
	}
}
