package nodereports

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/nodereports/restriction"
	"github.com/sirupsen/logrus"
)

// Config of the report service.
type Config struct {
	Log *natslog.Log
	// Projection to check reports against; nil starts one of its own (the
	// gateway passes its own, so the process holds one copy of the state).
	Projection *projections.Projection
	// Workers handle reports at once (default 256).
	Workers int
	Now     func() time.Time
}

// Run serves reports until ctx ends.
func Run(ctx context.Context, cfg Config) error {
	done, err := Start(ctx, cfg)
	if err != nil {
		return err
	}
	<-done
	return ctx.Err()
}

// Start begins serving reports and returns once they are being taken;
// done is closed when serving has stopped (ctx ended).
func Start(ctx context.Context, cfg Config) (done <-chan struct{}, err error) {
	if cfg.Log == nil {
		return nil, errors.New("nodereports: Log is required")
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 256
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Projection == nil {
		cfg.Projection = projections.New(cfg.Log, "nodereports")
		if err := cfg.Projection.Start(ctx); err != nil {
			return nil, fmt.Errorf("nodereports: %w", err)
		}
	}
	s := &server{cfg: cfg, log: logrus.WithField("service", "nodereports")}
	if done, err = cfg.Log.ServeReports(ctx, cfg.Workers, s.handle); err != nil {
		return nil, err
	}
	s.log.Info("serving node reports")
	return done, nil
}

type server struct {
	cfg Config
	log *logrus.Entry
}

func (s *server) handle(ctx context.Context, node string, e *events.Event, expected uint64) (uint64, error) {
	log := s.log.WithFields(logrus.Fields{"node": node, "key": e.Resource + "/" + e.Namespace + "/" + e.Name})
	res, ok := events.Lookup(e.Resource)
	if !ok || e.Type != events.TypeOf(res, e.Change()) {
		return 0, fmt.Errorf("%w: event type %q on %s", events.ErrReportRejected, e.Type, e.NATSSubject())
	}
	obj, err := e.Object()
	if err != nil {
		return 0, fmt.Errorf("%w: %w", events.ErrReportRejected, err)
	}
	if obj.GetName() != e.Name || (res.Namespaced && obj.GetNamespace() != e.Namespace) {
		return 0, fmt.Errorf("%w: the object %s/%s is not the subject's %s", events.ErrReportRejected,
			obj.GetNamespace(), obj.GetName(), e.NATSSubject())
	}
	stored, err := s.storedAt(ctx, e, expected)
	if err != nil {
		return 0, err
	}
	if err := restriction.Check(restriction.Report{Node: node, Resource: e.Resource, Change: e.Change(),
		Object: obj, Stored: stored}); err != nil {
		log.WithError(err).Warn("node report rejected")
		return 0, err
	}
	// Who and when are the control plane's to say, never the report's.
	e.Actor, e.Impersonator = "system:node:"+node, ""
	e.Source = "jetplane/nodeagent/" + node
	e.Time = s.cfg.Now().UTC()
	return s.cfg.Log.Append(ctx, e, expected)
}

// storedAt is e's object as stored at sequence expected (nil when none or
// deleted): from the projection when it has that version, else read from
// the log (the agent's projection may be ahead of this one; waiting for
// this one would add its lag to every report).
func (s *server) storedAt(ctx context.Context, e *events.Event, expected uint64) (events.Object, error) {
	conflict := &events.ConflictError{Subject: e.NATSSubject(), Expected: expected}
	entry := s.cfg.Projection.State().Get(e.Resource, e.Namespace, e.Name)
	if seqOf(entry) == expected {
		if entry == nil || entry.Deleted() {
			return nil, nil
		}
		return entry.Object, nil
	}
	if seqOf(entry) > expected {
		return nil, conflict
	}
	last, err := s.cfg.Log.LastFor(ctx, e.Resource, e.Namespace, e.Name)
	if err != nil {
		return nil, err
	}
	if last == nil || last.Seq != expected {
		return nil, conflict
	}
	if last.IsDelete() {
		return nil, nil
	}
	return last.Object()
}

func seqOf(e *projections.Entry) uint64 {
	if e == nil {
		return 0
	}
	return e.Seq
}
