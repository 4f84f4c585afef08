package controller

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestBackoffNext(t *testing.T) {
	t.Parallel()
	ms := time.Millisecond
	for _, tc := range []struct {
		name    string
		b       Backoff
		attempt int
		want    time.Duration
	}{
		{"first failure waits Base", Backoff{Base: 10 * ms, Max: time.Second}, 0, 10 * ms},
		{"doubles", Backoff{Base: 10 * ms, Max: time.Second}, 3, 80 * ms},
		{"capped at Max", Backoff{Base: 10 * ms, Max: time.Second}, 7, time.Second},
		{"no overflow on huge attempts", Backoff{Base: 10 * ms, Max: 30 * time.Second}, 1 << 20, 30 * time.Second},
		{"Max below Base: constant", Backoff{Base: time.Second}, 5, time.Second},
		{"zero Base: at once", Backoff{}, 4, 0},
		{"negative attempt is the first", Backoff{Base: ms, Max: time.Second}, -1, ms},
		{"the loop's error policy at 12 failures", RetryAfterError, 12, 30 * time.Second},
		{"the loop's error policy at 11 failures", RetryAfterError, 11, 20480 * ms},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := tc.b.Next(tc.attempt); got != tc.want {
				t.Fatalf("Next(%d) = %v, want %v", tc.attempt, got, tc.want)
			}
		})
	}
}

func TestBackoffRetry(t *testing.T) {
	t.Parallel()
	errAgain, errFatal := errors.New("again"), errors.New("fatal")
	again := func(err error) bool { return errors.Is(err, errAgain) }
	for _, tc := range []struct {
		name      string
		attempts  int
		results   []error // fn's answers in turn; the last repeats
		wantCalls int
		wantErr   error
	}{
		{"success at once", 0, []error{nil}, 1, nil},
		{"success after retries", 0, []error{errAgain, errAgain, nil}, 3, nil},
		{"error not retried", 0, []error{errAgain, errFatal}, 2, errFatal},
		{"attempts run out", 3, []error{errAgain}, 3, errAgain},
	} {
		t.Run(tc.name, func(t *testing.T) {
			calls := 0
			err := Backoff{Attempts: tc.attempts}.Retry(context.Background(), again, func(context.Context) error {
				r := tc.results[min(calls, len(tc.results)-1)]
				calls++
				return r
			})
			if calls != tc.wantCalls || !errors.Is(err, tc.wantErr) || (tc.wantErr == nil && err != nil) {
				t.Fatalf("%d calls, err %v; want %d calls, err %v", calls, err, tc.wantCalls, tc.wantErr)
			}
		})
	}
}

func TestBackoffRetryStopsWithContext(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	calls := 0
	err := Backoff{Base: time.Hour}.Retry(ctx, nil, func(context.Context) error {
		calls++
		cancel()
		return errors.New("down")
	})
	if !errors.Is(err, context.Canceled) || calls != 1 {
		t.Fatalf("%d calls, err %v; want 1 call, context.Canceled", calls, err)
	}
}
