package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// auditQuery is what an audit request asks for.
type auditQuery struct {
	filter      string // NATS subject filter (resource, namespace, name)
	actor       string
	eventType   string // a full type, or the change ("scaled")
	correlation string
	from        uint64
	follow      bool
	sse         bool
}

func (q auditQuery) matches(ev *events.Event) bool {
	if q.actor != "" && ev.Actor != q.actor {
		return false
	}
	if q.eventType != "" && ev.Type != q.eventType && ev.Change() != q.eventType {
		return false
	}
	return q.correlation == "" || ev.CorrelationID == q.correlation
}

// parseAuditQuery reads the parameters: resource, namespace, name, actor,
// type, correlationid, from (a sequence), since (RFC 3339 time), follow;
// and the Last-Event-ID header of a reconnecting SSE client, which wins over
// from so that a resumed stream neither loses nor repeats an event.
func (a *jetplaneAPI) parseAuditQuery(r *http.Request) (auditQuery, error) {
	v := r.URL.Query()
	q := auditQuery{actor: v.Get("actor"), eventType: v.Get("type"), correlation: v.Get("correlationid"),
		sse: strings.Contains(r.Header.Get("Accept"), "text/event-stream")}
	resource, ns, name := v.Get("resource"), v.Get("namespace"), v.Get("name")
	switch {
	case resource == "" && (ns != "" || name != ""):
		return q, apierrors.NewBadRequest("resource: required when namespace or name is given")
	case resource == "":
		q.filter = events.FilterSubject("", "")
	default:
		res, ok := events.Lookup(resource)
		if !ok {
			return q, apierrors.NewBadRequest(fmt.Sprintf("resource: unknown resource %q", resource))
		}
		switch {
		case name != "":
			if !res.Namespaced {
				ns = ""
			}
			q.filter = events.Subject(res.Name, ns, name)
		default:
			q.filter = events.FilterSubject(res.Name, ns)
		}
	}
	q.follow = q.sse // an EventSource reconnects anyway: keep it open
	if f := v.Get("follow"); f != "" {
		b, err := strconv.ParseBool(f)
		if err != nil {
			return q, apierrors.NewBadRequest(fmt.Sprintf("follow: %q is not a boolean", f))
		}
		q.follow = b
	}
	q.from = 1
	if f := v.Get("from"); f != "" {
		seq, err := strconv.ParseUint(f, 10, 64)
		if err != nil {
			return q, apierrors.NewBadRequest(fmt.Sprintf("from: %q is not a sequence number", f))
		}
		q.from = max(seq, 1)
	}
	if since := v.Get("since"); since != "" {
		t, err := time.Parse(time.RFC3339Nano, since)
		if err != nil {
			return q, apierrors.NewBadRequest(fmt.Sprintf("since: %q is not an RFC 3339 time", since))
		}
		seq, err := a.log.SeqAt(r.Context(), t)
		if err != nil {
			return q, err
		}
		q.from = max(q.from, seq)
	}
	if id := r.Header.Get("Last-Event-ID"); id != "" {
		seq, err := strconv.ParseUint(id, 10, 64)
		if err != nil {
			return q, apierrors.NewBadRequest(fmt.Sprintf("Last-Event-ID: %q is not a sequence number", id))
		}
		q.from = seq + 1
	}
	return q, nil
}

// auditSender starts the audit answer (SSE or JSON lines) and returns the
// handler that writes each matching event as a CloudEvent, flushed at once.
func auditSender(w http.ResponseWriter, q auditQuery) events.Handler {
	flusher, _ := w.(http.Flusher)
	if q.sse {
		w.Header().Set("Content-Type", "text/event-stream")
		w.Header().Set("Cache-Control", "no-cache")
	} else {
		w.Header().Set("Content-Type", "application/x-ndjson")
	}
	w.WriteHeader(http.StatusOK)
	if flusher != nil {
		flusher.Flush()
	}
	return func(ev *events.Event, decErr error) error {
		if decErr != nil || !q.matches(ev) {
			return nil
		}
		ce, err := ev.ToCloudEvent()
		if err != nil {
			return nil // not a valid event: nothing an auditor can use
		}
		data, err := json.Marshal(ce)
		if err != nil {
			return fmt.Errorf("audit: encode %d: %w", ev.Seq, err)
		}
		if q.sse {
			_, err = fmt.Fprintf(w, "id: %d\nevent: %s\ndata: %s\n\n", ev.Seq, ev.Type, data)
		} else {
			_, err = w.Write(append(data, '\n'))
		}
		if err != nil {
			return fmt.Errorf("audit: %w", errClientGone)
		}
		if flusher != nil {
			flusher.Flush()
		}
		return nil
	}
}

// audit streams the log's events to an auditor.
func (a *jetplaneAPI) audit(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		writeError(w, apierrors.NewMethodNotSupported(schema.GroupResource{Group: jetplaneapi.Group, Resource: "audit"}, r.Method))
		return
	}
	q, err := a.parseAuditQuery(r)
	if err != nil {
		writeError(w, err)
		return
	}
	first, _, err := a.log.Bounds(r.Context())
	if err != nil {
		writeError(w, err)
		return
	}
	if first > 1 && q.from < first {
		writeError(w, apierrors.NewResourceExpired(fmt.Sprintf(
			"audit from %d: history before %d was trimmed by the retention policy", q.from, first)))
		return
	}
	send := auditSender(w, q)
	ctx := r.Context()
	if q.follow {
		// Watches and audit streams end with the gateway, whichever
		// http.Server serves it.
		var cancel context.CancelFunc
		ctx, cancel = context.WithCancel(ctx)
		defer cancel()
		stop := context.AfterFunc(a.running, cancel)
		defer stop()
		err = a.log.Follow(ctx, q.filter, q.from, send)
	} else {
		err = a.log.Replay(ctx, q.filter, q.from, 0, send)
	}
	if err != nil && !errors.Is(err, context.Canceled) && !errors.Is(err, errClientGone) {
		a.logger.WithError(err).Warn("audit stream ended")
	}
}
