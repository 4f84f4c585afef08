package events

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Container output lives on the LOGS stream, one message per line a
// container wrote, on the subject of the container run that wrote it:
//
//	jetplane.node.<node>.logs.<namespace>.<pod>.<container>.<pod uid>.<attempt>
//
// Under the node's own subjects, so that an agent's NATS permissions let it
// write the output of its own node's containers only. The pod's
// uid and the attempt (the restartCount the container started with) make each
// run a subject of its own, so JetStream filters one run exactly, knows its
// last line without a scan, and lists the runs of a pod that is gone.
// Names are encoded with EncodeToken; an empty uid is "_".

// Headers of a log record.
const (
	HeaderLogStream  = "Jetplane-Log-Stream"  // stdout or stderr
	HeaderLogTime    = "Jetplane-Log-Time"    // when the runtime read the line, RFC 3339 UTC with nanoseconds
	HeaderLogLine    = "Jetplane-Log-Line"    // line number within the run, from 1
	HeaderLogPartial = "Jetplane-Log-Partial" // "true": more pieces of this line follow
)

// Streams a container writes.
const (
	LogStdout = "stdout"
	LogStderr = "stderr"
)

// MaxLogChunk is the largest piece of a line one record carries (the
// kubelet's 16 KiB); longer lines are split and joined again on reading.
const MaxLogChunk = 16 << 10

// ErrBadLogRecord: a LOGS message that is not a Jetplane log record.
var ErrBadLogRecord = errors.New("not a valid jetplane log record")

// LogAttempt names one run of one container of one pod.
type LogAttempt struct {
	Node      string // the node the pod runs on: its agent writes the run
	Namespace string
	Pod       string
	Container string
	PodUID    string
	Attempt   int // the container's restartCount when this run started
}

// Subject is where the run's output is stored.
func (a LogAttempt) Subject() string {
	return NodeSubjectPrefix(a.Node) + "." + logsToken + "." + EncodeToken(a.Namespace) + "." + EncodeToken(a.Pod) + "." + EncodeToken(a.Container) +
		"." + EncodeToken(a.PodUID) + "." + strconv.Itoa(a.Attempt)
}

// LogPodFilter matches the output of every run of every container of the
// pods named pod in namespace (all of them, past and present).
func LogPodFilter(namespace, pod string) string {
	return NodeRoot + ".*." + logsToken + "." + EncodeToken(namespace) + "." + EncodeToken(pod) + ".>"
}

// logsToken follows the node in a log subject.
const logsToken = "logs"

// LogsFilter matches every container's output: the LOGS stream's subjects.
const LogsFilter = NodeRoot + ".*." + logsToken + ".>"

// ParseLogSubject reads a run back from its subject.
func ParseLogSubject(subj string) (LogAttempt, error) {
	rest, ok := strings.CutPrefix(subj, NodeRoot+".")
	if !ok {
		return LogAttempt{}, fmt.Errorf("log subject %q: %w", subj, ErrBadSubject)
	}
	all := strings.Split(rest, ".")
	if len(all) != 7 || all[0] == "" || all[1] != logsToken {
		return LogAttempt{}, fmt.Errorf("log subject %q: %w", subj, ErrBadSubject)
	}
	node, parts := DecodeToken(all[0]), all[2:]
	if parts[0] == "" || parts[1] == "" || parts[2] == "" || parts[3] == "" {
		return LogAttempt{}, fmt.Errorf("log subject %q: %w", subj, ErrBadSubject)
	}
	attempt, err := strconv.Atoi(parts[4])
	if err != nil || attempt < 0 {
		return LogAttempt{}, fmt.Errorf("log subject %q: attempt: %w", subj, ErrBadSubject)
	}
	return LogAttempt{Node: node, Namespace: DecodeToken(parts[0]), Pod: DecodeToken(parts[1]), Container: DecodeToken(parts[2]),
		PodUID: DecodeToken(parts[3]), Attempt: attempt}, nil
}

// LogRecord is one line, or one piece of a long line, a container wrote.
type LogRecord struct {
	LogAttempt
	Stream string    // LogStdout or LogStderr
	Time   time.Time // when the runtime read the line
	// Line numbers the run's lines from 1; the pieces of a split line share
	// it, which lets a reader count lines from the end without reading them.
	Line    uint64
	Partial bool   // more pieces of this line follow
	Data    []byte // without the line end
	Seq     uint64 // stream sequence, once stored
}

func (r *LogRecord) validate() error {
	switch {
	case r.Node == "" || r.Namespace == "" || r.Pod == "" || r.Container == "":
		return fmt.Errorf("%w: node, namespace, pod and container are required", ErrBadLogRecord)
	case r.Attempt < 0:
		return fmt.Errorf("%w: attempt %d", ErrBadLogRecord, r.Attempt)
	case r.Stream != LogStdout && r.Stream != LogStderr:
		return fmt.Errorf("%w: stream %q", ErrBadLogRecord, r.Stream)
	case r.Line == 0:
		return fmt.Errorf("%w: line numbers start at 1", ErrBadLogRecord)
	case r.Time.IsZero():
		return fmt.Errorf("%w: no time", ErrBadLogRecord)
	}
	return nil
}

// EncodeLogRecord turns a record into the message that stores it.
func EncodeLogRecord(r *LogRecord) (*Message, error) {
	if err := r.validate(); err != nil {
		return nil, err
	}
	h := make(Header, 4)
	h[HeaderLogStream] = []string{r.Stream}
	h[HeaderLogTime] = []string{r.Time.UTC().Format(time.RFC3339Nano)}
	h[HeaderLogLine] = []string{strconv.FormatUint(r.Line, 10)}
	if r.Partial {
		h[HeaderLogPartial] = []string{"true"}
	}
	return &Message{Subject: r.Subject(), Header: h, Data: r.Data}, nil
}

// DecodeLogRecord reads a stored message back into a record.
func DecodeLogRecord(subject string, h Header, data []byte, seq uint64) (*LogRecord, error) {
	a, err := ParseLogSubject(subject)
	if err != nil {
		return nil, err
	}
	r := &LogRecord{LogAttempt: a, Stream: first(h, HeaderLogStream), Partial: first(h, HeaderLogPartial) == "true",
		Data: data, Seq: seq}
	if r.Time, err = time.Parse(time.RFC3339Nano, first(h, HeaderLogTime)); err != nil {
		return nil, fmt.Errorf("%w: time %q at seq %d", ErrBadLogRecord, first(h, HeaderLogTime), seq)
	}
	if r.Line, err = strconv.ParseUint(first(h, HeaderLogLine), 10, 64); err != nil {
		return nil, fmt.Errorf("%w: line %q at seq %d", ErrBadLogRecord, first(h, HeaderLogLine), seq)
	}
	if err := r.validate(); err != nil {
		return nil, fmt.Errorf("seq %d: %w", seq, err)
	}
	return r, nil
}

// SplitLogLine cuts a line into pieces of at most max bytes (at least one
// piece, empty for an empty line), sharing line's memory. Pieces end at a UTF-8 character boundary
// when one is near, so each piece stays readable on its own.
func SplitLogLine(line []byte, max int) [][]byte {
	if max <= 0 {
		max = MaxLogChunk
	}
	if len(line) <= max {
		return [][]byte{line}
	}
	pieces := make([][]byte, 0, len(line)/max+1)
	for len(line) > max {
		cut := max
		// Back off over continuation bytes (10xxxxxx), at most a character's length.
		for back := 0; back < 3 && cut > 1 && line[cut]&0xC0 == 0x80; back++ {
			cut--
		}
		if line[cut]&0xC0 == 0x80 {
			cut = max // not UTF-8 after all: cut at the limit
		}
		pieces = append(pieces, line[:cut])
		line = line[cut:]
	}
	return append(pieces, line)
}

// LoggedAttempt is a run the LOGS stream holds records of.
type LoggedAttempt struct {
	LogAttempt
	Records uint64 // how many
	Last    *LogRecord
}
