package controller

import (
	"context"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
)

// Writer appends a service's changes and waits until its own projection has
// applied them, so the next decision sees them.
type Writer struct {
	Log        events.Appender
	Projection *projections.Projection
	Origin     events.Origin
	// Fence, when set, is asked before each append: a leader-elected
	// service's writes stop once its term may have ended.
	Fence func() error
}

func (w *Writer) fenced() error {
	if w.Fence == nil {
		return nil
	}
	return w.Fence()
}

// ApplyAtomic appends the writes (of distinct subjects) in atomic batches
// (Appender.WriteAtomic) and waits for what landed to be projected.
func (w *Writer) ApplyAtomic(ctx context.Context, writes ...events.Write) error {
	if err := w.fenced(); err != nil {
		return err
	}
	evs, err := w.Log.WriteAtomic(ctx, w.Origin, writes)
	if len(evs) > 0 {
		if werr := w.Projection.WaitFor(ctx, evs[len(evs)-1].Seq); err == nil {
			err = werr
		}
	}
	return err
}

// Apply appends the writes in order and waits for the last one to be
// projected. It stops at the first error (a conflict matches events.ErrConflict).
func (w *Writer) Apply(ctx context.Context, writes ...events.Write) error {
	var last uint64
	for _, wr := range writes {
		err := w.fenced()
		var ev *events.Event
		if err == nil {
			ev, err = w.Log.Write(ctx, w.Origin, wr)
		}
		if err != nil {
			if last > 0 {
				_ = w.Projection.WaitFor(ctx, last)
			}
			return err
		}
		last = ev.Seq
	}
	if last == 0 {
		return nil
	}
	return w.Projection.WaitFor(ctx, last)
}
