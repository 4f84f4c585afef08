package natslog

import (
	"context"
	"errors"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// rideOutFor is how long a request is repeated while a cluster's weather
// makes it fail: long enough for JetStream to elect a stream's new leader
// once a node is lost (a few seconds), short enough that a caller learns of
// a cluster that lost its quorum.
const rideOutFor = 20 * time.Second

// attemptTimeout bounds one attempt: a request that reached a node on its
// way out is never answered, and would hold a caller's whole deadline.
const attemptTimeout = 5 * time.Second

// rideOut runs op until it succeeds, fails for good, ctx ends or rideOutFor
// has passed, pausing between attempts (100 ms doubling to 1 s). It is for
// requests that are safe to repeat: reads, and appends, which carry their
// event's Nats-Msg-Id, so that one stored but not acknowledged is answered
// as a duplicate with its sequence when sent again.
func rideOut(ctx context.Context, op func(ctx context.Context) error) error {
	deadline := time.Now().Add(rideOutFor)
	wait := 100 * time.Millisecond
	for {
		actx, cancel := context.WithTimeout(ctx, attemptTimeout)
		err := op(actx)
		cancel()
		if err == nil || !transient(err) || ctx.Err() != nil || time.Now().Add(wait).After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(2*wait, time.Second)
	}
}

// transient tells an error a cluster's weather causes (a node lost, its
// leaders re-elected), after which the same request succeeds.
func transient(err error) bool {
	var apiErr *jetstream.APIError
	return errors.Is(err, context.DeadlineExceeded) || errors.Is(err, nats.ErrTimeout) ||
		errors.Is(err, nats.ErrNoResponders) || errors.Is(err, jetstream.ErrNoStreamResponse) ||
		errors.As(err, &apiErr) && (apiErr.Code == 503 || apiErr.ErrorCode == errCodeDuplicateInProcess)
}

// errCodeDuplicateInProcess is JetStream's answer to a message sent again
// while the first with its Nats-Msg-Id is still being stored (a retry
// across a leader change): asked once more, it answers with the sequence.
const errCodeDuplicateInProcess jetstream.ErrorCode = 10158

// streamInfo asks for the event stream's info, riding out an election of
// its leader (the one node that answers it).
func (l *Log) streamInfo(ctx context.Context) (*jetstream.StreamInfo, error) {
	var info *jetstream.StreamInfo
	err := rideOut(ctx, func(ctx context.Context) (err error) {
		info, err = l.stream.Info(ctx)
		return err
	})
	return info, err
}
