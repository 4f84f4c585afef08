package nodeagent

import (
	"context"
	"sync/atomic"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/sirupsen/logrus"
)

// Bounds of the log shipper. A container may write faster than the LOGS
// stream takes it; the shipper then drops lines (and counts them) rather
// than hold up the runtime's output copying, and so the container.
const (
	logQueueLines = 8192             // lines waiting to be shipped
	logQueueBytes = 16 << 20         // bytes waiting to be shipped
	logBatch      = 512              // records published before awaiting acks
	logAckWait    = 10 * time.Second // for one batch's acks
	logFlushWait  = 3 * time.Second  // for what is queued when the agent stops
	logRunIdle    = 10 * time.Minute // a run's line counter is forgotten after this
)

// queuedLine is one line as the runtime handed it over.
type queuedLine struct {
	run    events.LogAttempt
	stream string
	line   string
	at     time.Time
}

// runCounter numbers the lines of one container run.
type runCounter struct {
	last uint64
	used time.Time
}

// logShipper takes container output from the runtime (sink, which never
// blocks) and ships it to the LOGS stream from one goroutine (run), in
// batches: lines split at events.MaxLogChunk, numbered per container run.
type logShipper struct {
	log    *natslog.Log
	logger *logrus.Entry
	queue  chan queuedLine
	bytes  atomic.Int64 // bytes in queue

	shipped atomic.Uint64 // records the stream acknowledged
	dropped atomic.Uint64 // lines dropped because the queue was full
	failed  atomic.Uint64 // records the stream did not take

	runs      map[events.LogAttempt]*runCounter // run's goroutine only
	lastSweep time.Time
	done      chan struct{}
}

func newLogShipper(l *natslog.Log, logger *logrus.Entry) *logShipper {
	return &logShipper{log: l, logger: logger, queue: make(chan queuedLine, logQueueLines),
		runs: map[events.LogAttempt]*runCounter{}, done: make(chan struct{})}
}

// sink is the runtime.LogSink: it queues the line or, when the queue is
// full, drops it.
func (s *logShipper) sink(spec runtime.ContainerSpec, stream, line string, at time.Time) {
	size := int64(len(line))
	if s.bytes.Add(size) > logQueueBytes {
		s.bytes.Add(-size)
		s.dropped.Add(1)
		return
	}
	run := events.LogAttempt{Node: spec.Node, Namespace: spec.Namespace, Pod: spec.PodName, Container: spec.Name,
		PodUID: spec.PodUID, Attempt: spec.Attempt}
	select {
	case s.queue <- queuedLine{run: run, stream: stream, line: line, at: at}:
	default:
		s.bytes.Add(-size)
		s.dropped.Add(1)
	}
}

// run ships queued lines until ctx ends, then what is still queued, for a
// little while (the output of containers stopped at shutdown).
func (s *logShipper) run(ctx context.Context) {
	defer close(s.done)
	reported := uint64(0)
	for {
		select {
		case q := <-s.queue:
			// Acks are awaited past ctx: a stopping agent still ships.
			s.ship(context.Background(), s.batch(q))
		case <-ctx.Done():
			s.flush()
			return
		}
		if d := s.dropped.Load(); d != reported {
			s.logger.WithFields(logrus.Fields{"dropped": d - reported, "droppedTotal": d}).
				Warn("container output dropped: the log shipper's queue was full")
			reported = d
		}
	}
}

// flush ships what is queued when the agent stops.
func (s *logShipper) flush() {
	ctx, cancel := context.WithTimeout(context.Background(), logFlushWait)
	defer cancel()
	for ctx.Err() == nil {
		select {
		case q := <-s.queue:
			s.ship(ctx, s.batch(q))
		default:
			return
		}
	}
}

// batch takes q and whatever else is queued now, up to logBatch records.
func (s *logShipper) batch(q queuedLine) []*events.LogRecord {
	recs := s.records(q, nil)
	for len(recs) < logBatch {
		select {
		case q = <-s.queue:
			recs = s.records(q, recs)
		default:
			return recs
		}
	}
	return recs
}

// records appends the records of one line: its pieces, numbered.
func (s *logShipper) records(q queuedLine, recs []*events.LogRecord) []*events.LogRecord {
	s.bytes.Add(-int64(len(q.line)))
	line := s.nextLine(q.run, q.at)
	pieces := events.SplitLogLine([]byte(q.line), events.MaxLogChunk)
	for i, p := range pieces {
		recs = append(recs, &events.LogRecord{LogAttempt: q.run, Stream: q.stream, Time: q.at, Line: line,
			Partial: i < len(pieces)-1, Data: p})
	}
	return recs
}

// nextLine numbers a run's next line. A run first seen continues after
// what the stream holds of it, so that an agent restarted beside a running
// container keeps the numbers increasing (readers count lines by them).
func (s *logShipper) nextLine(run events.LogAttempt, now time.Time) uint64 {
	c, ok := s.runs[run]
	if !ok {
		c = &runCounter{}
		ctx, cancel := context.WithTimeout(context.Background(), logAckWait)
		// Asked of the control plane: a node may not read LOGS.
		if last, err := s.log.Reporter(run.Node).LastLogRecord(ctx, run); err == nil && last != nil {
			c.last = last.Line
		}
		cancel()
		s.runs[run] = c
	}
	c.last++
	c.used = now
	if now.Sub(s.lastSweep) > time.Minute {
		s.lastSweep = now
		for r, rc := range s.runs {
			if now.Sub(rc.used) > logRunIdle {
				delete(s.runs, r)
			}
		}
	}
	return c.last
}

func (s *logShipper) ship(ctx context.Context, recs []*events.LogRecord) {
	wait, cancel := context.WithTimeout(ctx, logAckWait)
	defer cancel()
	stored, err := s.log.PublishLogs(wait, recs)
	s.shipped.Add(uint64(stored))
	if err != nil {
		s.failed.Add(uint64(len(recs) - stored))
		s.logger.WithError(err).WithFields(logrus.Fields{"records": len(recs), "stored": stored}).
			Warn("container output not stored")
	}
}

// startLogShipper runs a shipper until stop is called; stop waits for it to
// ship what is queued (bounded by logFlushWait).
func startLogShipper(ctx context.Context, l *natslog.Log, logger *logrus.Entry) (s *logShipper, stop func()) {
	s = newLogShipper(l, logger)
	runCtx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	go s.run(runCtx)
	return s, func() {
		cancel()
		<-s.done
	}
}
