package nodeagent

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/jetplane/jetplane/services/nodereports"
	"github.com/sirupsen/logrus"
)

var testSpec = runtime.ContainerSpec{Node: "n1", PodUID: "uid-1", Namespace: "default", PodName: "web", Name: "app", Attempt: 2}

func testRun() events.LogAttempt {
	return events.LogAttempt{Node: "n1", Namespace: "default", Pod: "web", Container: "app", PodUID: "uid-1", Attempt: 2}
}

func records(t *testing.T, l *natslog.Log, run events.LogAttempt) []*events.LogRecord {
	t.Helper()
	last, err := l.LastLogRecord(t.Context(), run)
	if err != nil || last == nil {
		t.Fatalf("last record: %v, %v", last, err)
	}
	var recs []*events.LogRecord
	if err := l.ReadLogs(t.Context(), run, 0, last.Seq, func(r *events.LogRecord) error {
		recs = append(recs, r)
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestShipperSinkDropsInsteadOfBlocking(t *testing.T) {
	l := eventstest.Log(t)
	// Nothing ships: the queue fills, and every line beyond it is dropped
	// at once. A blocking sink would hang here.
	s := newLogShipper(l, logrus.WithField("test", t.Name()))
	for i := 0; i < logQueueLines+100; i++ {
		s.sink(testSpec, events.LogStdout, "chatty", time.Now())
	}
	if d := s.dropped.Load(); d != 100 {
		t.Fatalf("dropped %d lines, want 100", d)
	}
	// The byte bound holds too: four 4 MiB lines fill it.
	s = newLogShipper(l, logrus.WithField("test", t.Name()))
	big := strings.Repeat("x", 4<<20)
	for i := 0; i < 6; i++ {
		s.sink(testSpec, events.LogStdout, big, time.Now())
	}
	if d, n := s.dropped.Load(), len(s.queue); d != 2 || n != 4 {
		t.Fatalf("dropped %d, queued %d of six 4 MiB lines; want 2 and 4", d, n)
	}
}

func TestShipperShipsNumberedSplitLines(t *testing.T) {
	l := eventstest.Log(t)
	nodereports.ServeForTest(t, l) // a restarted shipper asks the control plane where its runs stopped
	s, stop := startLogShipper(t.Context(), l, logrus.WithField("test", t.Name()))
	long := strings.Repeat("a", events.MaxLogChunk) + "tail"
	at := time.Date(2026, 3, 1, 12, 0, 0, 5, time.UTC)
	s.sink(testSpec, events.LogStdout, "first", at)
	s.sink(testSpec, events.LogStderr, long, at.Add(time.Second))
	s.sink(testSpec, events.LogStdout, "", at.Add(2*time.Second))
	eventstest.Eventually(t, 10*time.Second, func() error {
		if n := s.shipped.Load(); n != 4 {
			return fmt.Errorf("%d records shipped, want 4", n)
		}
		return nil
	})
	recs := records(t, l, testRun())
	want := []struct {
		line    uint64
		stream  string
		partial bool
		data    string
	}{
		{1, events.LogStdout, false, "first"},
		{2, events.LogStderr, true, strings.Repeat("a", events.MaxLogChunk)},
		{2, events.LogStderr, false, "tail"},
		{3, events.LogStdout, false, ""},
	}
	if len(recs) != len(want) {
		t.Fatalf("%d records, want %d", len(recs), len(want))
	}
	for i, w := range want {
		r := recs[i]
		if r.Line != w.line || r.Stream != w.stream || r.Partial != w.partial || string(r.Data) != w.data {
			t.Fatalf("record %d: line %d %s partial=%v %.20q, want %+v", i, r.Line, r.Stream, r.Partial, r.Data, w)
		}
	}
	if !recs[0].Time.Equal(at) {
		t.Fatalf("time %v, want %v", recs[0].Time, at)
	}

	// Lines queued when the agent stops still ship; a new shipper (an agent
	// restarted beside the running container) numbers on from the stream.
	s.sink(testSpec, events.LogStdout, "last words", at.Add(3*time.Second))
	stop()
	s2, stop2 := startLogShipper(t.Context(), l, logrus.WithField("test", t.Name()))
	defer stop2()
	s2.sink(testSpec, events.LogStdout, "after restart", at.Add(4*time.Second))
	eventstest.Eventually(t, 10*time.Second, func() error {
		if n := s2.shipped.Load(); n != 1 {
			return fmt.Errorf("%d records shipped after restart", n)
		}
		return nil
	})
	recs = records(t, l, testRun())
	if n := len(recs); n != 6 || string(recs[4].Data) != "last words" || recs[4].Line != 4 ||
		string(recs[5].Data) != "after restart" || recs[5].Line != 5 {
		t.Fatalf("after restart: %d records, last two %+v %+v", n, recs[n-2], recs[n-1])
	}
}
