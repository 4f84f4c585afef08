package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

const (
	// logDrain: once a followed run has ended, its last lines may still be
	// on their way from the node agent; the stream ends after this long
	// without one.
	logDrain = time.Second
	// logSinceSlack: stdout and stderr are read side by side, so record
	// times are only nearly ordered; the search for sinceTime starts this
	// much earlier and the writer drops what is older.
	logSinceSlack = time.Second
)

// podLog serves GET /api/v1/namespaces/{ns}/pods/{name}/log: the output of
// one container run from the LOGS stream, as text/plain, followed while the
// run lasts when asked. Pods that are gone are served too, from their last
// known state (the projection, else their deleted event) or from what the
// stream holds of them.
func (s *Server) podLog(w http.ResponseWriter, r *http.Request, t target) {
	if r.Method != http.MethodGet {
		writeError(w, apierrors.NewMethodNotSupported(t.res.GroupResource(), strings.ToLower(r.Method)))
		return
	}
	ctx := r.Context()
	opts, err := apis.ParseLogOptions(t.name, r.URL.Query())
	if err != nil {
		writeError(w, err)
		return
	}
	lp, err := s.logPod(ctx, t.namespace, t.name)
	if err != nil {
		writeError(w, err)
		return
	}
	run, err := apis.LogRun(lp, opts)
	if err != nil {
		writeError(w, err)
		return
	}
	last, err := s.log.LastLogRecord(ctx, run)
	if err != nil {
		writeError(w, err)
		return
	}
	since := apis.LogSince(opts, time.Now())
	from, err := s.logStart(ctx, last, opts.TailLines, since)
	if err != nil {
		writeError(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusOK)
	lw := &apis.LogWriter{W: w, Timestamps: opts.Timestamps, Since: since}
	if opts.LimitBytes != nil {
		lw.Limit = *opts.LimitBytes
	}
	log := s.logger.WithFields(logrus.Fields{"pod": t.namespace + "/" + t.name, "container": run.Container,
		"attempt": run.Attempt, "follow": opts.Follow})
	if !opts.Follow {
		if last != nil {
			err = s.log.ReadLogs(ctx, run, from, last.Seq, func(rec *events.LogRecord) error {
				_, err := lw.WriteRecord(rec)
				return err
			})
		}
	} else {
		err = s.followLog(ctx, w, lw, run, from)
	}
	if err != nil && !errors.Is(err, apis.ErrLogLimit) && !errors.Is(err, context.Canceled) {
		log.WithError(err).Warn("log stream ended early")
	}
}

// logPod gathers what the gateway knows of the pod: its live object, or
// once it is gone its last state (the deleted event's data) and the runs
// the stream holds under its name.
func (s *Server) logPod(ctx context.Context, namespace, name string) (apis.LogPod, error) {
	s.catchUpLog(ctx)
	if pod := s.livePod(namespace, name); pod != nil {
		return apis.LogPod{Name: name, Pod: pod}, nil
	}
	lp := apis.LogPod{Name: name, Gone: true}
	ev, err := s.log.LastFor(ctx, "pods", namespace, name)
	if err != nil {
		return lp, err
	}
	if ev != nil && len(ev.Data) > 0 {
		pod := &corev1.Pod{}
		if err := events.DecodeInto(ev.Data, pod); err != nil {
			return lp, fmt.Errorf("pod %s/%s at %d: %w", namespace, name, ev.Seq, err)
		}
		lp.Pod = pod
	}
	runs, err := s.log.LogAttempts(ctx, namespace, name)
	if err != nil {
		return lp, err
	}
	for _, r := range runs {
		lp.Runs = append(lp.Runs, r.LogAttempt)
	}
	return lp, nil
}

// livePod is the pod as the projection holds it now, or nil. It is shared:
// read it, never change it.
func (s *Server) livePod(namespace, name string) *corev1.Pod {
	if e := s.proj.State().Live("pods", namespace, name); e != nil {
		if pod, ok := e.Object.(*corev1.Pod); ok {
			return pod
		}
	}
	return nil
}

// logStart is the sequence a read starts from: after the last tailLines
// lines and at sinceTime, whichever is later (0: the run's beginning).
func (s *Server) logStart(ctx context.Context, last *events.LogRecord, tail *int64, since time.Time) (uint64, error) {
	if last == nil {
		return 0, nil
	}
	var from uint64
	switch {
	case tail == nil:
	case *tail == 0:
		return last.Seq + 1, nil
	case uint64(*tail) < last.Line:
		first := last.Line - uint64(*tail) + 1
		seq, err := s.log.LogSeqWhere(ctx, last, func(r *events.LogRecord) bool { return r.Line >= first })
		if err != nil {
			return 0, err
		}
		from = seq
	}
	if !since.IsZero() {
		early := since.Add(-logSinceSlack)
		seq, err := s.log.LogSeqWhere(ctx, last, func(r *events.LogRecord) bool { return !r.Time.Before(early) })
		if err != nil {
			return 0, err
		}
		from = max(from, seq)
	}
	return from, nil
}

// followLog streams the run from sequence from, flushing each line, until
// the client goes, the gateway stops, the limit is reached, or the run has
// ended and its output has drained.
func (s *Server) followLog(ctx context.Context, w http.ResponseWriter, lw *apis.LogWriter, run events.LogAttempt, from uint64) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	defer context.AfterFunc(s.running, cancel)()
	flusher, _ := w.(http.Flusher)
	if flusher != nil {
		flusher.Flush() // the client sees the answer begin before any line
	}
	var lastRecord atomic.Int64
	go s.endFollow(ctx, cancel, run, &lastRecord)
	err := s.log.ReadLogs(ctx, run, from, 0, func(rec *events.LogRecord) error {
		lastRecord.Store(time.Now().UnixNano())
		ended, err := lw.WriteRecord(rec)
		if ended && flusher != nil {
			flusher.Flush()
		}
		return err
	})
	if errors.Is(err, context.Canceled) && ctx.Err() != nil {
		return nil // ended here: the run is over, or the client or gateway went
	}
	return err
}

// endFollow cancels a follow once the run has ended (as the projection
// tells) and no record has come for logDrain.
func (s *Server) endFollow(ctx context.Context, cancel context.CancelFunc, run events.LogAttempt, lastRecord *atomic.Int64) {
	for {
		changed := s.proj.Changed()
		if apis.LogRunEnded(s.livePod(run.Namespace, run.Pod), run) {
			break
		}
		select {
		case <-changed:
		case <-ctx.Done():
			return
		}
	}
	lastRecord.Store(max(lastRecord.Load(), time.Now().UnixNano()))
	timer := time.NewTimer(logDrain)
	defer timer.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-timer.C:
		}
		quiet := time.Since(time.Unix(0, lastRecord.Load()))
		if quiet >= logDrain {
			cancel()
			return
		}
		timer.Reset(logDrain - quiet)
	}
}
