package controller

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/projections"
	"github.com/sirupsen/logrus"
)

// Reconcile brings one key to its desired state. Returning an error requeues
// the key: at once after a conflict (the projection will have moved on),
// with exponential back-off otherwise. A positive requeue asks to look again
// later even on success (timers: deadlines, back-offs).
type Reconcile func(ctx context.Context, key string) (requeue time.Duration, err error)

// Loop runs workers over a queue.
type Loop struct {
	Name      string
	Queue     *Queue
	Workers   int
	Reconcile Reconcile
	// Resync re-adds every key from Keys this often (level-triggered safety net).
	Resync time.Duration
	Keys   func() []string

	mu       sync.Mutex
	failures map[string]int
}

// Run blocks until ctx ends.
func (l *Loop) Run(ctx context.Context) error {
	l.failures = map[string]int{}
	workers := max(l.Workers, 1)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.work(ctx)
		}()
	}
	if l.Resync > 0 && l.Keys != nil {
		t := time.NewTicker(l.Resync)
		defer t.Stop()
		for {
			select {
			case <-t.C:
				for _, k := range l.Keys() {
					l.Queue.Add(k)
				}
			case <-ctx.Done():
				wg.Wait()
				return nil
			}
		}
	}
	<-ctx.Done()
	wg.Wait()
	return nil
}

func (l *Loop) work(ctx context.Context) {
	log := logrus.WithField("service", l.Name)
	for {
		key, ok := l.Queue.Get(ctx)
		if !ok {
			return
		}
		requeue, err := l.Reconcile(ctx, key)
		l.Queue.Done(key)
		switch {
		case err == nil:
			l.reset(key)
			if requeue > 0 {
				l.Queue.AddAfter(key, requeue)
			}
		case ctx.Err() != nil:
			return
		case errors.Is(err, events.ErrConflict):
			log.WithField("key", key).Debug("conflict; requeue")
			l.Queue.AddAfter(key, 5*time.Millisecond)
		default:
			d := l.backoff(key)
			log.WithField("key", key).WithError(err).Warnf("reconcile failed; retry in %v", d)
			l.Queue.AddAfter(key, d)
		}
	}
}

func (l *Loop) reset(key string) {
	l.mu.Lock()
	delete(l.failures, key)
	l.mu.Unlock()
}

func (l *Loop) backoff(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := l.failures[key]
	l.failures[key] = n + 1
	d := 10 * time.Millisecond << min(n, 12)
	return min(d, 30*time.Second)
}

// Writer appends a service's changes and waits until its own projection has
// applied them, so the next decision sees them.
type Writer struct {
	Log        events.Appender
	Projection *projections.Projection
	Origin     events.Origin
}

// ApplyAtomic appends the writes (of distinct subjects) in atomic batches
// (Appender.WriteAtomic) and waits for what landed to be projected.
func (w *Writer) ApplyAtomic(ctx context.Context, writes ...events.Write) error {
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
		ev, err := w.Log.Write(ctx, w.Origin, wr)
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
