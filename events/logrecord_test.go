package events

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

func goldenLogRecords() map[string]*LogRecord {
	run := LogAttempt{Node: "node-1", Namespace: "team.x", Pod: "web-7d9f", Container: "app",
		PodUID: "5b2c7e1a-0000-4000-8000-000000000002", Attempt: 3}
	return map[string]*LogRecord{
		"log-stdout": {LogAttempt: run, Stream: LogStdout, Line: 12,
			Time: time.Date(2026, 11, 22, 10, 0, 0, 123456789, time.UTC),
			Data: []byte("GET /hi/x 200")},
		"log-stderr-partial": {LogAttempt: run, Stream: LogStderr, Line: 13, Partial: true,
			Time: time.Date(2026, 11, 22, 10, 0, 1, 0, time.FixedZone("CET", 3600)),
			Data: []byte("panic: first piece of a long line")},
	}
}

func TestEncodeLogRecordGolden(t *testing.T) {
	for name, rec := range goldenLogRecords() {
		t.Run(name, func(t *testing.T) {
			m, err := EncodeLogRecord(rec)
			if err != nil {
				t.Fatal(err)
			}
			matchGolden(t, name, render(m))
			back, err := DecodeLogRecord(m.Subject, m.Header, m.Data, 7)
			if err != nil {
				t.Fatal(err)
			}
			rec.Seq = 7
			if back.LogAttempt != rec.LogAttempt || back.Stream != rec.Stream || back.Line != rec.Line ||
				back.Partial != rec.Partial || !back.Time.Equal(rec.Time) || !bytes.Equal(back.Data, rec.Data) || back.Seq != 7 {
				t.Fatalf("round trip:\n got %+v\nwant %+v", back, rec)
			}
		})
	}
}

func TestLogRecordRejects(t *testing.T) {
	good, err := EncodeLogRecord(goldenLogRecords()["log-stdout"])
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		subject string
		mutate  func(h Header)
	}{
		{"event subject", "jetplane.ev.pods.default.web", func(Header) {}},
		{"container subject without run", "jetplane.node.n1.logs.default.web.app", func(Header) {}},
		{"negative attempt", "jetplane.node.n1.logs.default.web.app.uid.-1", func(Header) {}},
		{"attempt not a number", "jetplane.node.n1.logs.default.web.app.uid.x", func(Header) {}},
		{"old subject without node", "jetplane.logs.default.web.app.uid.0", func(Header) {}},
		{"no time", good.Subject, func(h Header) { delete(h, HeaderLogTime) }},
		{"bad time", good.Subject, func(h Header) { h[HeaderLogTime] = []string{"noon"} }},
		{"no line", good.Subject, func(h Header) { delete(h, HeaderLogLine) }},
		{"line zero", good.Subject, func(h Header) { h[HeaderLogLine] = []string{"0"} }},
		{"unknown stream", good.Subject, func(h Header) { h[HeaderLogStream] = []string{"stdin"} }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := cloneHeader(good.Header)
			tc.mutate(h)
			if r, err := DecodeLogRecord(tc.subject, h, good.Data, 1); err == nil {
				t.Fatalf("decoded a bad message: %+v", r)
			}
		})
	}
	if _, err := EncodeLogRecord(&LogRecord{LogAttempt: LogAttempt{Namespace: "default", Pod: "p"},
		Stream: LogStdout, Line: 1, Time: time.Now()}); err == nil {
		t.Fatal("encoded a record without a container")
	}
}

func TestLogSubjects(t *testing.T) {
	tests := []struct {
		run  LogAttempt
		subj string
	}{
		{LogAttempt{Node: "n1", Namespace: "default", Pod: "web-1", Container: "app", PodUID: "u-1", Attempt: 0},
			"jetplane.node.n1.logs.default.web-1.app.u-1.0"},
		{LogAttempt{Node: "n.example", Namespace: "team.x", Pod: "db.0", Container: "pg", PodUID: "", Attempt: 12},
			"jetplane.node.n_example.logs.team_x.db_0.pg._.12"},
	}
	for _, tc := range tests {
		if got := tc.run.Subject(); got != tc.subj {
			t.Errorf("Subject = %q, want %q", got, tc.subj)
		}
		back, err := ParseLogSubject(tc.subj)
		if err != nil || back != tc.run {
			t.Errorf("ParseLogSubject(%q) = %+v, %v", tc.subj, back, err)
		}
		if filter := LogPodFilter(tc.run.Namespace, tc.run.Pod); !subjectMatches(filter, tc.subj) {
			t.Errorf("pod filter %q does not match %q", filter, tc.subj)
		}
	}
}

func TestSplitLogLine(t *testing.T) {
	euro := "€" // three bytes
	tests := []struct {
		name   string
		line   string
		max    int
		pieces []string
	}{
		{"empty", "", 4, []string{""}},
		{"fits", "abcd", 4, []string{"abcd"}},
		{"split", "abcdefghij", 4, []string{"abcd", "efgh", "ij"}},
		{"no cut inside a character", "ab" + euro + "cd", 4, []string{"ab", euro + "c", "d"}},
		{"not utf-8", "\x80\x80\x80\x80\x80\x80", 4, []string{"\x80\x80\x80\x80", "\x80\x80"}},
		{"default size", strings.Repeat("x", MaxLogChunk+1), 0, []string{strings.Repeat("x", MaxLogChunk), "x"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := SplitLogLine([]byte(tc.line), tc.max)
			if len(got) != len(tc.pieces) {
				t.Fatalf("%d pieces %q, want %q", len(got), got, tc.pieces)
			}
			var joined []byte
			for i, p := range got {
				if string(p) != tc.pieces[i] {
					t.Fatalf("piece %d = %q, want %q", i, p, tc.pieces[i])
				}
				joined = append(joined, p...)
			}
			if string(joined) != tc.line {
				t.Fatalf("pieces join to %q", joined)
			}
			if utf8.ValidString(tc.line) {
				for _, p := range got {
					if !utf8.Valid(p) {
						t.Fatalf("piece %q is not valid UTF-8", p)
					}
				}
			}
		})
	}
}

// subjectMatches is NATS subject matching with * and a trailing >.
func subjectMatches(filter, subj string) bool {
	f, s := strings.Split(filter, "."), strings.Split(subj, ".")
	for i, tok := range f {
		switch {
		case tok == ">":
			return len(s) > i
		case i >= len(s):
			return false
		case tok != "*" && tok != s[i]:
			return false
		}
	}
	return len(f) == len(s)
}
