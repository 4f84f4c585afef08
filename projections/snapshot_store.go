package projections

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/sirupsen/logrus"
)

// snapshotTimeout bounds one snapshot upload.
const snapshotTimeout = 2 * time.Minute

// loadSnapshot adopts the newest usable snapshot of this projection, if
// any, and tells its listeners about every live object in it, as a replay
// would have. A snapshot that is corrupt, of another format, or not of this
// log is ignored with a warning: the log is the truth, replayed in full.
func (p *Projection) loadSnapshot(ctx context.Context) {
	log := logrus.WithFields(logrus.Fields{"service": p.name, "snapshot": p.name})
	data, err := p.log.Snapshots().Get(ctx, p.name)
	if errors.Is(err, events.ErrNotFound) {
		return
	}
	if err != nil {
		log.WithError(err).Warn("snapshot unreadable; replaying the whole log")
		return
	}
	st, err := ReadSnapshot(bytes.NewReader(data))
	if err == nil {
		err = p.matchesLog(ctx, st)
	}
	if err != nil {
		log.WithError(err).Warn("snapshot ignored; replaying the whole log")
		return
	}
	p.state.adopt(st)
	syncCustomKinds(st)
	for _, e := range p.state.entries() {
		if e.Deleted() {
			continue
		}
		ev := &events.Event{ID: e.EventID, Type: e.Type, Resource: e.Resource, Namespace: e.Namespace, Name: e.Name,
			Seq: e.Seq, CorrelationID: e.CorrelationID}
		for _, l := range p.listeners {
			l(nil, e, ev)
		}
	}
	p.sinceSnapshot = 0
	p.mu.Lock()
	p.loadedSnapshot = st.LastApplied()
	p.mu.Unlock()
	log.WithFields(logrus.Fields{"seq": st.LastApplied(), "bytes": len(data)}).Info("snapshot loaded; replaying the tail")
}

// matchesLog checks that a snapshot was taken from this log: it may not be
// ahead of the stream, and its newest entry must be the event the stream
// holds at that sequence (unless retention removed it since).
func (p *Projection) matchesLog(ctx context.Context, st *State) error {
	_, last, err := p.log.Bounds(ctx)
	if err != nil {
		return err
	}
	if st.LastApplied() > last {
		return fmt.Errorf("%w: taken at %d, the log ends at %d", ErrBadSnapshot, st.LastApplied(), last)
	}
	es := st.entries()
	if len(es) == 0 {
		return nil
	}
	newest := es[len(es)-1]
	ev, err := p.log.Get(ctx, newest.Seq)
	if errors.Is(err, events.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	if ev.ID != newest.EventID {
		return fmt.Errorf("%w: event %d is %s in the log, %s in the snapshot", ErrBadSnapshot, newest.Seq, ev.ID, newest.EventID)
	}
	return nil
}

// maybeSnapshot starts a snapshot when enough events went by since the
// last one and none is under way. Called on the projection's goroutine.
func (p *Projection) maybeSnapshot(ctx context.Context) {
	policy := p.log.SnapshotPolicy()
	every, interval := policy.Every, policy.Interval
	p.sinceSnapshot++
	// A snapshot costs the whole state; waiting for at least as many
	// events as it held keeps that cost per event constant as the state
	// grows (100,000 pods would otherwise be rewritten every 10,000 events).
	due := every > 0 && p.sinceSnapshot >= max(every, p.snapshotSize.Load())
	if interval > 0 && !due {
		if p.lastSnapshot.IsZero() {
			p.lastSnapshot = time.Now() // the clock starts with the first event
		}
		due = time.Since(p.lastSnapshot) >= interval
	}
	if !due {
		return
	}
	p.mu.Lock()
	busy := p.snapshotting
	p.snapshotting = true
	p.mu.Unlock()
	if busy {
		return
	}
	p.sinceSnapshot, p.lastSnapshot = 0, time.Now()
	go func() {
		defer func() {
			p.mu.Lock()
			p.snapshotting = false
			p.mu.Unlock()
		}()
		if _, err := p.SaveSnapshot(ctx); err != nil && ctx.Err() == nil {
			logrus.WithField("service", p.name).WithError(err).Warn("snapshot failed")
		}
	}()
}

// SaveSnapshot writes the projection's state to the snapshot store now and
// returns the sequence it stands at.
func (p *Projection) SaveSnapshot(ctx context.Context) (uint64, error) {
	var buf bytes.Buffer
	h, err := p.state.writeSnapshot(&buf)
	if err != nil {
		return 0, err
	}
	last := h.Last
	p.snapshotSize.Store(uint64(h.Entries))
	ctx, cancel := context.WithTimeout(ctx, snapshotTimeout)
	defer cancel()
	headers := map[string][]string{
		"Jetplane-Snapshot-Format": {strconv.Itoa(SnapshotFormat)},
		"Jetplane-Snapshot-Seq":    {strconv.FormatUint(last, 10)},
	}
	if err := p.log.Snapshots().Put(ctx, p.name, headers, &buf); err != nil {
		return 0, fmt.Errorf("snapshot %s at %d: %w", p.name, last, err)
	}
	logrus.WithFields(logrus.Fields{"service": p.name, "seq": last}).Debug("snapshot saved")
	return last, nil
}

// LoadedSnapshot is the sequence of the snapshot Start began from, 0 when it
// replayed the whole log.
func (p *Projection) LoadedSnapshot() uint64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.loadedSnapshot
}
