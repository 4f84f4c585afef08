package controller

import (
	"context"
	"fmt"
	"time"
)

// Backoff is the one retry policy of the services: the wait before attempt
// n+1 is Base doubled n times, at most Max (a Max below Base: a constant
// Base). Attempts bounds Retry (0: until ctx ends).
type Backoff struct {
	Base, Max time.Duration
	Attempts  int
}

// Next is the wait after attempt (0 for the first failure).
func (b Backoff) Next(attempt int) time.Duration {
	if b.Base <= 0 {
		return 0
	}
	limit := max(b.Max, b.Base)
	d := b.Base << min(max(attempt, 0), 30)
	if d <= 0 || d > limit { // d <= 0: shifted past int64
		return limit
	}
	return d
}

// Wait sleeps Next(attempt); false when ctx ended first.
func (b Backoff) Wait(ctx context.Context, attempt int) bool {
	d := b.Next(attempt)
	if d <= 0 {
		return ctx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-ctx.Done():
		return false
	}
}

// Retry calls fn until it returns nil or an error retryable refuses (nil
// retryable: every error is retried), waiting Next between attempts. It
// returns fn's last error, wrapped when the attempts ran out, or ctx's.
func (b Backoff) Retry(ctx context.Context, retryable func(error) bool, fn func(context.Context) error) error {
	for attempt := 0; ; attempt++ {
		err := fn(ctx)
		if err == nil || (retryable != nil && !retryable(err)) {
			return err
		}
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if b.Attempts > 0 && attempt+1 >= b.Attempts {
			return fmt.Errorf("%d attempts: %w", b.Attempts, err)
		}
		if !b.Wait(ctx, attempt) {
			return ctx.Err()
		}
	}
}

// Positive is v, or def when v is not positive: a shell's setting left
// unset (workers, resync) takes its default.
func Positive[T int | time.Duration](v, def T) T {
	if v <= 0 {
		return def
	}
	return v
}
