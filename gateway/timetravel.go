package gateway

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	"github.com/jetplane/jetplane/projections"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// timeTravel answers reads of the past: which revision a get or list asks
// for, and the state at it, replayed from the log. The REST core's reads
// and Jetplane's restore share one, so that they share its cache.
type timeTravel struct {
	log  *natslog.Log
	past pastStates
}

// pastStates keeps the last few replayed states: a client paging through
// one past revision (kubectl get a, then b) replays the log once.
type pastStates struct {
	mu     sync.Mutex
	states []pastState
}

type pastState struct {
	seq   uint64
	state *projections.State
}

const keptPastStates = 4

func (p *pastStates) get(seq uint64) *projections.State {
	p.mu.Lock()
	defer p.mu.Unlock()
	for _, s := range p.states {
		if s.seq == seq {
			return s.state
		}
	}
	return nil
}

func (p *pastStates) put(seq uint64, st *projections.State) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.states = append(p.states, pastState{seq, st})
	if len(p.states) > keptPastStates {
		p.states = p.states[1:]
	}
}

// pastRevision tells whether a read asks for the past and at which
// sequence: resourceVersion=N&resourceVersionMatch=Exact, or asOfTime=T
// (the state after every event the log received up to T).
func (tt *timeTravel) pastRevision(r *http.Request) (uint64, bool, error) {
	q := r.URL.Query()
	rv, match, at := q.Get("resourceVersion"), q.Get("resourceVersionMatch"), q.Get(jetplaneapi.AsOfTimeParam)
	switch {
	case at != "":
		if match != "" {
			return 0, false, apierrors.NewBadRequest(jetplaneapi.AsOfTimeParam + ": may not be combined with resourceVersionMatch")
		}
		t, err := time.Parse(time.RFC3339Nano, at)
		if err != nil {
			return 0, false, apierrors.NewBadRequest(fmt.Sprintf("%s: %q is not an RFC 3339 time", jetplaneapi.AsOfTimeParam, at))
		}
		next, err := tt.log.SeqAt(r.Context(), t.Add(time.Nanosecond))
		if err != nil {
			return 0, false, err
		}
		if next <= 1 {
			return 0, false, apierrors.NewBadRequest(fmt.Sprintf("%s: %s is before the first event of the log", jetplaneapi.AsOfTimeParam, at))
		}
		return next - 1, true, nil
	case match == "":
		return 0, false, nil
	case match == string(metav1.ResourceVersionMatchNotOlderThan):
		return 0, false, nil // the live state is never older than anything written
	case match != string(metav1.ResourceVersionMatchExact):
		return 0, false, apierrors.NewBadRequest(fmt.Sprintf("resourceVersionMatch: unsupported value %q: supported values: %q, %q",
			match, metav1.ResourceVersionMatchExact, metav1.ResourceVersionMatchNotOlderThan))
	}
	seq, err := strconv.ParseUint(rv, 10, 64)
	if err != nil || seq == 0 {
		return 0, false, apierrors.NewBadRequest(fmt.Sprintf(
			"resourceVersionMatch: %q requires a resourceVersion greater than 0, got %q", match, rv))
	}
	return seq, true, nil
}

// stateAt is the cluster as it stood right after sequence seq, replayed
// from the log: 410 Gone when retention trimmed that history, 504 when seq
// is still in the future (as the API server answers a too large version).
func (tt *timeTravel) stateAt(ctx context.Context, seq uint64) (*projections.State, error) {
	first, last, err := tt.log.Bounds(ctx)
	if err != nil {
		return nil, err
	}
	if seq > last {
		return nil, apierrors.NewTimeoutError(fmt.Sprintf("Too large resource version: %d, current: %d", seq, last), 1)
	}
	if first > 1 {
		// A state is folded from sequence 1: without it there is no past.
		return nil, apierrors.NewResourceExpired(fmt.Sprintf("resourceVersion %d: history before %d was trimmed: %v",
			seq, first, events.ErrHistoryTrimmed))
	}
	if st := tt.past.get(seq); st != nil {
		return st, nil
	}
	st, err := projections.AsOf(ctx, tt.log, seq)
	if errors.Is(err, events.ErrHistoryTrimmed) {
		return nil, apierrors.NewResourceExpired(fmt.Sprintf("resourceVersion %d: %v", seq, err))
	}
	if err != nil {
		return nil, err
	}
	tt.past.put(seq, st)
	return st, nil
}

// readState is the state a get or list answers from, and the
// resourceVersion it stands for: the live projection (after catching up as
// consistentRead says), or a replayed past.
func (s *Server) readState(r *http.Request) (*projections.State, uint64, error) {
	if p, err := pageOf(r); err != nil {
		return nil, 0, err
	} else if p.token != nil {
		return s.stateAtToken(r, p.token.RV)
	}
	seq, past, err := s.travel.pastRevision(r)
	if err != nil {
		return nil, 0, err
	}
	if !past {
		s.consistentRead(r)
		st := s.proj.State()
		return st, st.LastApplied(), nil
	}
	st, err := s.travel.stateAt(r.Context(), seq)
	return st, seq, err
}

// listedAt is the moment a list at seq shows: now for a read of the
// present, else the time asked for (asOfTime) or that of the revision.
func (s *Server) listedAt(r *http.Request, seq uint64) time.Time {
	if _, past, err := s.travel.pastRevision(r); err != nil || !past {
		return time.Now()
	}
	if at, err := time.Parse(time.RFC3339, r.URL.Query().Get(jetplaneapi.AsOfTimeParam)); err == nil {
		return at
	}
	if ev, err := s.log.Get(r.Context(), seq); err == nil && ev != nil {
		return ev.Time
	}
	return time.Now()
}
