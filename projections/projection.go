package projections

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/sirupsen/logrus"
)

// Listener hears every applied event with the entry before and after it
// (prev is nil for a first event). It runs on the projection's goroutine:
// keep it short, e.g. mark a key dirty in a work queue.
type Listener func(prev, cur *Entry, ev *events.Event)

// Projection keeps a State up to date with the log.
type Projection struct {
	log       events.Store
	name      string
	state     *State
	listeners []Listener

	mu      sync.Mutex
	changed chan struct{} // closed and replaced after each applied event
	err     error
	done    chan struct{}

	// Snapshots (events.SnapshotPolicy): events applied since the
	// last one (projection goroutine only), and whether one is being saved
	// (under mu).
	sinceSnapshot  uint64
	snapshotting   bool
	loadedSnapshot uint64
	lastSnapshot   time.Time     // projection goroutine only
	snapshotSize   atomic.Uint64 // entries in the last snapshot saved
}

// New makes a projection named for logs (the owning service).
func New(log events.Store, name string) *Projection {
	return &Projection{log: log, name: name, state: NewState(), changed: make(chan struct{}), done: make(chan struct{})}
}

// OnApply registers a listener; call before Start.
func (p *Projection) OnApply(l Listener) { p.listeners = append(p.listeners, l) }

// State is the live state. Its reads are consistent per call.
func (p *Projection) State() *State { return p.state }

// LastApplied is the sequence of the last event folded in.
func (p *Projection) LastApplied() uint64 { return p.state.LastApplied() }

// Start follows the log in the background and returns once the projection has
// caught up with the stream as it stood at the call (or ctx ends).
func (p *Projection) Start(ctx context.Context) error {
	_, last, err := p.log.Bounds(ctx)
	if err != nil {
		return fmt.Errorf("projection %s: %w", p.name, err)
	}
	if p.log.SnapshotPolicy() != (events.SnapshotPolicy{}) {
		p.loadSnapshot(ctx)
	}
	go p.run(ctx)
	return p.WaitFor(ctx, last)
}

func (p *Projection) run(ctx context.Context) {
	defer close(p.done)
	log := logrus.WithField("service", p.name)
	wait := time.Duration(0)
	for ctx.Err() == nil {
		from := p.state.LastApplied() + 1
		err := p.log.Follow(ctx, events.FilterSubject("", ""), from, func(ev *events.Event, decErr error) error {
			if decErr != nil {
				log.WithField("seq", ev.Seq).WithError(decErr).Warn("skipping undecodable event")
				p.state.Skip(ev.Seq)
				p.broadcast()
				return nil
			}
			syncCustomKindOf(ev)
			prev, cur, err := p.state.Apply(ev)
			if err != nil {
				log.WithField("seq", ev.Seq).WithError(err).Warn("skipping event")
			}
			if cur != nil {
				for _, l := range p.listeners {
					l(prev, cur, ev)
				}
			}
			p.broadcast()
			p.maybeSnapshot(ctx)
			return nil
		})
		if ctx.Err() != nil {
			break
		}
		// The ordered consumer could not go on (stream deleted, server gone for
		// long): resume from where we are.
		p.setErr(err)
		// Paced: a follow that fails at once (the server refusing it)
		// must not spin; one that got somewhere resumes at once.
		if p.state.LastApplied()+1 > from {
			wait = 0
		} else {
			wait = min(max(2*wait, 100*time.Millisecond), 5*time.Second)
		}
		log.WithError(err).WithField("retry_in", wait).Warn("event follow stopped; resuming")
		select {
		case <-ctx.Done():
		case <-time.After(wait):
		}
	}
	p.setErr(ctx.Err())
}

func (p *Projection) broadcast() {
	p.mu.Lock()
	close(p.changed)
	p.changed = make(chan struct{})
	p.mu.Unlock()
}

func (p *Projection) setErr(err error) {
	p.mu.Lock()
	p.err = err
	p.mu.Unlock()
}

// Changed returns a channel closed at the next applied event.
func (p *Projection) Changed() <-chan struct{} {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.changed
}

// WaitFor blocks until every event up to seq has been applied: after an
// append at seq, a read then sees the write (read-your-writes).
func (p *Projection) WaitFor(ctx context.Context, seq uint64) error {
	for {
		ch := p.Changed()
		if p.state.LastApplied() >= seq {
			return nil
		}
		select {
		case <-ch:
		case <-p.done:
			return fmt.Errorf("projection %s stopped before seq %d: %w", p.name, seq, p.stopErr())
		case <-ctx.Done():
			return fmt.Errorf("projection %s waiting for seq %d (at %d): %w", p.name, seq, p.state.LastApplied(), ctx.Err())
		}
	}
}

func (p *Projection) stopErr() error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.err == nil {
		return context.Canceled
	}
	return p.err
}

// Done is closed when the projection has stopped following the log.
func (p *Projection) Done() <-chan struct{} { return p.done }

// AsOf rebuilds the state as it stood right after sequence seq: time travel.
// It fails with events.ErrHistoryTrimmed when the stream no longer holds the
// beginning of history.
func AsOf(ctx context.Context, log events.Reader, seq uint64) (*State, error) {
	first, last, err := log.Bounds(ctx)
	if err != nil {
		return nil, err
	}
	if first > 1 {
		return nil, fmt.Errorf("as of %d: stream starts at %d: %w", seq, first, events.ErrHistoryTrimmed)
	}
	if seq > last {
		seq = last
	}
	st := NewState()
	if seq == 0 {
		return st, nil
	}
	err = log.Replay(ctx, events.FilterSubject("", ""), 1, seq, func(ev *events.Event, decErr error) error {
		if decErr != nil {
			st.Skip(ev.Seq)
		} else if _, _, err := st.Apply(ev); err != nil {
			logrus.WithField("seq", ev.Seq).WithError(err).Warn("as-of replay: skipping event")
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("as of %d: %w", seq, err)
	}
	return st, nil
}
