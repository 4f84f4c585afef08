package natslog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/nats.go"
)

// Node agents write nothing to EVENTS: they report. A report is the
// encoded event of the change an agent wants (a pod's status, its Node)
// sent as a request on the agent's own subject
// (events.NodeReportSubject); a control-plane service checks it as
// Kubernetes' NodeRestriction does and appends it with its CAS, the actor
// taken from the subject the server let the agent publish on. The reply
// is the new sequence or why not.

// Headers of a report and of its reply.
const (
	headerReportSubject  = "Jetplane-Report-Subject"  // the event's own subject
	headerReportExpected = "Jetplane-Report-Expected" // the CAS expectation
	headerReportSeq      = "Jetplane-Report-Seq"      // reply: the new sequence
	headerReportError    = "Jetplane-Report-Error"    // reply: conflict, rejected or failed
)

// reportQueue is the queue group of the control plane's report servers:
// each report is handled by one of them.
const reportQueue = "jetplane-node-reports"

// reportTimeout bounds one report's round trip.
const reportTimeout = 10 * time.Second

// Reporter is a node agent's Appender: every write is a report.
type Reporter struct {
	nc   *nats.Conn
	node string
}

// Reporter reports as node over the log's connection.
func (l *Log) Reporter(node string) *Reporter { return &Reporter{nc: l.nc, node: node} }

var _ events.Appender = (*Reporter)(nil)

// Append reports e and returns the sequence the control plane stored it
// at; a conflict is events.ErrConflict, a refusal events.ErrReportRejected.
func (r *Reporter) Append(ctx context.Context, e *events.Event, expected uint64) (uint64, error) {
	m, err := events.Encode(e)
	if err != nil {
		return 0, err
	}
	msg := &nats.Msg{Subject: events.NodeReportSubject(r.node), Header: nats.Header(m.Header), Data: m.Data}
	msg.Header.Set(headerReportSubject, m.Subject)
	msg.Header.Set(headerReportExpected, strconv.FormatUint(expected, 10))
	reply, err := r.request(ctx, msg)
	if errors.Is(err, events.ErrConflict) {
		return 0, &events.ConflictError{Subject: m.Subject, Expected: expected}
	}
	if err != nil {
		return 0, fmt.Errorf("report %s: %w", m.Subject, err)
	}
	seq, err := strconv.ParseUint(reply.Header.Get(headerReportSeq), 10, 64)
	if err != nil || seq == 0 {
		return 0, fmt.Errorf("report %s: reply without a sequence", m.Subject)
	}
	e.Seq = seq
	return seq, nil
}

// Write builds w's event and reports it.
func (r *Reporter) Write(ctx context.Context, o events.Origin, w events.Write) (*events.Event, error) {
	return writeThrough(ctx, r, o, w)
}

// WriteAtomic is not offered to nodes: no agent change spans objects.
func (r *Reporter) WriteAtomic(context.Context, events.Origin, []events.Write) ([]*events.Event, error) {
	return nil, errors.New("report: atomic batches are the control plane's")
}

// ReportHandler decides one node's report and appends it, returning the
// new sequence; events.ErrConflict and events.ErrReportRejected are told
// to the agent as such.
type ReportHandler func(ctx context.Context, node string, e *events.Event, expected uint64) (uint64, error)

// ServeReports hands every node's reports to h, with up to workers
// handlers at once, until ctx ends; it returns once subscribed, and done
// is closed when the last handler has returned. Several servers share the
// reports (a queue group). Reports wait in the subscription's pending
// buffer while every worker is busy: none is dropped for being slow.
func (l *Log) ServeReports(ctx context.Context, workers int, h ReportHandler) (done <-chan struct{}, err error) {
	slots := make(chan struct{}, workers)
	var wg sync.WaitGroup
	var mu sync.Mutex
	closed := false
	sub, err := l.nc.QueueSubscribe(events.NodeRoot+".*.*", reportQueue, func(m *nats.Msg) {
		mu.Lock()
		if closed {
			mu.Unlock()
			return
		}
		wg.Add(1)
		mu.Unlock()
		select {
		case slots <- struct{}{}:
		case <-ctx.Done():
			wg.Done()
			return
		}
		go func() {
			defer func() { <-slots; wg.Done() }()
			l.answerNode(ctx, m, h)
		}()
	})
	if err != nil {
		return nil, fmt.Errorf("serve reports: %w", err)
	}
	// A burst of reports (a fleet registering) waits rather than drops.
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("serve reports: %w", err)
	}
	if err := l.nc.FlushTimeout(reportTimeout); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("serve reports: %w", err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		<-ctx.Done()
		_ = sub.Unsubscribe()
		mu.Lock()
		closed = true
		mu.Unlock()
		wg.Wait()
	}()
	return stopped, nil
}

// answerNode answers one request of a node: a report, a heartbeat or a
// question about its runs' output.
func (l *Log) answerNode(ctx context.Context, m *nats.Msg, h ReportHandler) {
	reply := nats.NewMsg(m.Reply)
	fail := func(kind string, err error) {
		reply.Header.Set(headerReportError, kind)
		reply.Data = []byte(err.Error())
	}
	node, err := events.NodeOfReport(m.Subject)
	if err == nil {
		err = notAServerAnswer(m, node)
	}
	if !strings.HasPrefix(m.Reply, "_INBOX") && !strings.HasPrefix(m.Reply, "_R_.") {
		// Not a node's request: a server's answer reflected here has no
		// reply subject, and an answer is published as the control plane,
		// so only ever to an inbox or the readers' import's reply (never,
		// say, onto an EVENTS subject).
		return
	}
	if err == nil {
		switch m.Subject {
		case events.NodeHeartbeatSubject(node):
			if err = l.renewLease(ctx, node, m.Data); err != nil {
				fail("failed", err)
			}
			_ = l.nc.PublishMsg(reply)
			return
		case events.NodeLastLogSubject(node):
			l.answerLastLog(ctx, node, m, reply, fail)
			_ = l.nc.PublishMsg(reply)
			return
		case events.NodeReportSubject(node):
		default:
			return // another of the node's subjects: not a request to the control plane
		}
	}
	var e *events.Event
	if err == nil {
		e, err = events.Decode(m.Header.Get(headerReportSubject), events.Header(m.Header), m.Data, 0)
	}
	var expected uint64
	if err == nil {
		expected, err = strconv.ParseUint(m.Header.Get(headerReportExpected), 10, 64)
	}
	if err != nil {
		fail("rejected", err)
	} else if seq, err := h(ctx, node, e, expected); err != nil {
		switch {
		case errors.Is(err, events.ErrConflict):
			fail("conflict", err)
		case errors.Is(err, events.ErrReportRejected):
			fail("rejected", err)
		default:
			fail("failed", err)
		}
	} else {
		reply.Header.Set(headerReportSeq, strconv.FormatUint(seq, 10))
	}
	_ = l.nc.PublishMsg(reply)
}

// renewLease writes a node's heartbeat (an RFC 3339 time) to its lease.
func (l *Log) renewLease(ctx context.Context, node string, at []byte) error {
	if _, err := time.Parse(time.RFC3339Nano, string(at)); err != nil {
		return fmt.Errorf("%w: heartbeat %q", events.ErrReportRejected, at)
	}
	_, err := l.Leases().Put(ctx, events.NodeLeaseKey(node), at)
	return err
}

// answerLastLog replies with the last stored record of one of the node's
// own runs (headers and data as stored), or nothing.
func (l *Log) answerLastLog(ctx context.Context, node string, m, reply *nats.Msg, fail func(string, error)) {
	var run events.LogAttempt
	if err := json.Unmarshal(m.Data, &run); err != nil || run.Node != node {
		fail("rejected", fmt.Errorf("%w: a node asks about its own runs only", events.ErrReportRejected))
		return
	}
	last, err := l.LastLogRecord(ctx, run)
	if err != nil {
		fail("failed", err)
		return
	}
	if last == nil {
		return
	}
	enc, err := events.EncodeLogRecord(last)
	if err != nil {
		fail("failed", err)
		return
	}
	reply.Header, reply.Data = nats.Header(enc.Header), enc.Data
	reply.Header.Set(headerReportSubject, enc.Subject)
}

// Heartbeat renews the node's lease through the control plane.
func (r *Reporter) Heartbeat(ctx context.Context, at time.Time) error {
	_, err := r.request(ctx, &nats.Msg{Subject: events.NodeHeartbeatSubject(r.node), Data: []byte(at.UTC().Format(time.RFC3339Nano))})
	return err
}

// LastLogRecord is the newest stored record of one of the node's runs, or
// nil: asked of the control plane (a node may not read LOGS).
func (r *Reporter) LastLogRecord(ctx context.Context, run events.LogAttempt) (*events.LogRecord, error) {
	data, err := json.Marshal(run)
	if err != nil {
		return nil, err
	}
	reply, err := r.request(ctx, &nats.Msg{Subject: events.NodeLastLogSubject(r.node), Data: data})
	if err != nil || reply.Header.Get(headerReportSubject) == "" {
		return nil, err
	}
	return events.DecodeLogRecord(reply.Header.Get(headerReportSubject), events.Header(reply.Header), reply.Data, 0)
}

// request sends one request to the control plane and maps its errors.
func (r *Reporter) request(ctx context.Context, msg *nats.Msg) (*nats.Msg, error) {
	ctx, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	reply, err := r.nc.RequestMsgWithContext(ctx, msg)
	if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return nil, fmt.Errorf("%s: %w: %w", msg.Subject, events.ErrUnavailable, err)
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", msg.Subject, err)
	}
	switch reply.Header.Get(headerReportError) {
	case "":
		return reply, nil
	case "rejected":
		return nil, fmt.Errorf("%s: %w: %s", msg.Subject, events.ErrReportRejected, reply.Data)
	case "conflict":
		return nil, fmt.Errorf("%s: %w", msg.Subject, events.ErrConflict)
	}
	return nil, fmt.Errorf("%s: %s", msg.Subject, reply.Data)
}

// notAServerAnswer checks that a report is a node's own request and no
// stored message a server answered with: the NATS server does not check reply
// subjects against permissions, so a reader can aim a read's answer at
// another node's report subject. A direct get's answer carries Nats-Stream;
// a consumer's delivery is a message of EVENTS, which never carries the
// report headers (Decode of it fails).
func notAServerAnswer(m *nats.Msg, node string) error {
	if isServerAnswer(m.Header) {
		return fmt.Errorf("%w: a stored message, not node %q's request", events.ErrReportRejected, node)
	}
	return nil
}
