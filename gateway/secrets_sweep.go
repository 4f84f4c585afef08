package gateway

import (
	"context"
	"time"

	"github.com/jetplane/jetplane/secretenvelope"
	"k8s.io/apimachinery/pkg/types"
)

// A Secret deleted through this gateway has its data key destroyed at
// once. One deleted otherwise (its namespace went, the garbage collector
// took it) leaves a data key with no Secret: the sweep destroys those.

// sweepEvery is how often the sweep runs; sweepGrace how old a data key
// must be to go (a key is made just before its Secret's event lands).
const (
	sweepEvery = time.Minute
	sweepGrace = 2 * time.Minute
)

// sweepSecretKeys runs the sweep until the gateway stops.
func (s *Server) sweepSecretKeys(ctx context.Context) {
	t := time.NewTicker(sweepEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if n, err := s.sweepOnce(ctx, time.Now()); err != nil {
				s.logger.WithError(err).Warn("secret key sweep")
			} else if n > 0 {
				s.logger.WithField("destroyed", n).Info("data keys of deleted Secrets destroyed")
			}
		}
	}
}

// sweepOnce destroys the data keys older than sweepGrace whose Secret is
// no longer live, once the projection has caught up with the log.
func (s *Server) sweepOnce(ctx context.Context, now time.Time) (int, error) {
	if s.secretKeys.ring == nil {
		return 0, nil
	}
	entries, err := s.secretKeys.bucket.List(ctx, "")
	if err != nil || len(entries) == 0 {
		return 0, err
	}
	s.catchUpLog(ctx)
	live := map[types.UID]bool{}
	for _, e := range s.proj.State().List("secrets", "", nil) {
		live[e.Object.GetUID()] = true
	}
	n := 0
	for _, e := range entries {
		w, err := secretenvelope.UnmarshalWrapped(e.Value)
		if err != nil || live[types.UID(e.Key)] || now.Sub(w.Created) < sweepGrace {
			continue
		}
		if err := s.secretKeys.shred(ctx, types.UID(e.Key)); err != nil {
			return n, err
		}
		n++
	}
	return n, nil
}
