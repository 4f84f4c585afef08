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
	// Workers handle reports at once (default 16).
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
		cfg.Workers = 16
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
	entry, err := s.entryAt(ctx, e, expected)
	if err != nil {
		return 0, err
	}
	var stored events.Object
	if entry != nil && !entry.Deleted() {
		stored = entry.Object
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

// entryAt is the stored entry of e's object as of sequence expected: the
// projection is caught up to the log when it is behind the agent.
func (s *server) entryAt(ctx context.Context, e *events.Event, expected uint64) (*projections.Entry, error) {
	st := s.cfg.Projection.State()
	entry := st.Get(e.Resource, e.Namespace, e.Name)
	if seqOf(entry) < expected {
		_, last, err := s.cfg.Log.Bounds(ctx)
		if err != nil {
			return nil, err
		}
		if err := s.cfg.Projection.WaitFor(ctx, last); err != nil {
			return nil, err
		}
		entry = s.cfg.Projection.State().Get(e.Resource, e.Namespace, e.Name)
	}
	if seqOf(entry) != expected {
		return nil, &events.ConflictError{Subject: e.NATSSubject(), Expected: expected}
	}
	return entry, nil
}

func seqOf(e *projections.Entry) uint64 {
	if e == nil {
		return 0
	}
	return e.Seq
}
