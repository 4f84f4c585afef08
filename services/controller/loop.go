package controller

import (
	"cmp"
	"context"
	"errors"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/sirupsen/logrus"
)

// Reconcile brings one key to its desired state. Returning an error requeues
// the key: at once after a conflict (the projection will have moved on),
// with exponential back-off otherwise. A positive requeue asks to look again
// later even on success (timers: deadlines, back-offs).
type Reconcile func(ctx context.Context, key string) (requeue time.Duration, err error)

// Per-key retry policies of a Loop.
var (
	// RetryAfterConflict: the projection has moved on, look again soon.
	RetryAfterConflict = Backoff{Base: 5 * time.Millisecond}
	// RetryAfterError doubles from 10ms up to 30s per consecutive failure.
	RetryAfterError = Backoff{Base: 10 * time.Millisecond, Max: 30 * time.Second}
)

// Loop runs workers over a queue.
type Loop struct {
	Name      string
	Queue     *Queue
	Workers   int
	Reconcile Reconcile
	// Resync re-adds every key from Keys this often (level-triggered safety net).
	Resync time.Duration
	Keys   func() []string
	// Service labels the metrics (default Name): loops of one service
	// (a fleet's node agents) share it.
	Service string

	mu       sync.Mutex
	failures map[string]int
}

// Run blocks until ctx ends.
func (l *Loop) Run(ctx context.Context) error {
	l.mu.Lock()
	if l.failures == nil {
		l.failures = map[string]int{}
	}
	l.mu.Unlock()
	service := cmp.Or(l.Service, l.Name)
	l.Queue.instrument(queueDepth.WithLabelValues(service))
	workers := max(l.Workers, 1)
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			l.work(ctx, service)
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

func (l *Loop) work(ctx context.Context, service string) {
	log := logrus.WithField("service", l.Name)
	for ctx.Err() == nil { // a term that ended stops reconciling, queue or not
		key, ok := l.Queue.Get(ctx)
		if !ok {
			return
		}
		began := time.Now()
		requeue, err := l.Reconcile(ctx, key)
		ObserveReconcile(service, time.Since(began), err)
		l.Queue.Done(key)
		switch {
		case err == nil:
			l.Forget(key)
			if requeue > 0 {
				l.Queue.AddAfter(key, requeue)
			}
		case ctx.Err() != nil:
			return
		case errors.Is(err, events.ErrConflict):
			log.WithField("key", key).Debug("conflict; requeue")
			l.Queue.AddAfter(key, RetryAfterConflict.Next(0))
		default:
			d := l.backoff(key)
			log.WithField("key", key).WithError(err).Warnf("reconcile failed; retry in %v", d)
			l.Queue.AddAfter(key, d)
		}
	}
}

// Forget drops the count of key's consecutive failures, which sets its
// back-off: done after each success, so the map holds failing keys only.
func (l *Loop) Forget(key string) {
	l.mu.Lock()
	delete(l.failures, key)
	l.mu.Unlock()
}

func (l *Loop) backoff(key string) time.Duration {
	l.mu.Lock()
	defer l.mu.Unlock()
	if l.failures == nil {
		l.failures = map[string]int{}
	}
	n := l.failures[key]
	l.failures[key] = n + 1
	return RetryAfterError.Next(n)
}

// tracked is the number of keys whose failures the loop remembers.
func (l *Loop) tracked() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.failures)
}
