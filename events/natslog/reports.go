package natslog

import (
	"context"
	"errors"
	"fmt"
	"strconv"
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
	ctx, cancel := context.WithTimeout(ctx, reportTimeout)
	defer cancel()
	reply, err := r.nc.RequestMsgWithContext(ctx, msg)
	if errors.Is(err, nats.ErrNoResponders) || errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) {
		return 0, fmt.Errorf("report %s: %w: %w", m.Subject, events.ErrUnavailable, err)
	}
	if err != nil {
		return 0, fmt.Errorf("report %s: %w", m.Subject, err)
	}
	switch reply.Header.Get(headerReportError) {
	case "":
	case "conflict":
		return 0, &events.ConflictError{Subject: m.Subject, Expected: expected}
	case "rejected":
		return 0, fmt.Errorf("report %s: %w: %s", m.Subject, events.ErrReportRejected, reply.Data)
	default:
		return 0, fmt.Errorf("report %s: %s", m.Subject, reply.Data)
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

// ServeReports hands every node's reports to h, with workers handlers at
// once, until ctx ends; it returns once subscribed, and done is closed when
// the workers have stopped. Several servers share the reports (a queue
// group).
func (l *Log) ServeReports(ctx context.Context, workers int, h ReportHandler) (done <-chan struct{}, err error) {
	msgs := make(chan *nats.Msg, 4*workers)
	sub, err := l.nc.ChanQueueSubscribe(events.NodeReportFilter, reportQueue, msgs)
	if err != nil {
		return nil, fmt.Errorf("serve reports: %w", err)
	}
	if err := l.nc.FlushTimeout(reportTimeout); err != nil {
		_ = sub.Unsubscribe()
		return nil, fmt.Errorf("serve reports: %w", err)
	}
	stopped := make(chan struct{})
	go func() {
		defer close(stopped)
		defer func() { _ = sub.Unsubscribe() }()
		l.workReports(ctx, workers, msgs, h)
	}()
	return stopped, nil
}

func (l *Log) workReports(ctx context.Context, workers int, msgs chan *nats.Msg, h ReportHandler) {
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-ctx.Done():
					return
				case m := <-msgs:
					l.answerReport(ctx, m, h)
				}
			}
		}()
	}
	wg.Wait()
}

func (l *Log) answerReport(ctx context.Context, m *nats.Msg, h ReportHandler) {
	reply := nats.NewMsg(m.Reply)
	fail := func(kind string, err error) {
		reply.Header.Set(headerReportError, kind)
		reply.Data = []byte(err.Error())
	}
	node, err := events.NodeOfReport(m.Subject)
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
	if m.Reply != "" {
		_ = l.nc.PublishMsg(reply)
	}
}
