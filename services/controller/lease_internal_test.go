package controller

import (
	"context"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/sirupsen/logrus"
)

// A record no service wrote (a copy a reader made the server put in the
// bucket) is taken only once it has stood a lease's duration: taking it at
// once could make a second leader while the first still acts.
func TestAnUnreadableLeaseIsHeldForItsDuration(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	ctx := context.Background()
	if _, err := log.Leases().Put(ctx, LeaderKey("x"), []byte(`{"kind":"Pod"`)); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1000, 0)
	l := &lease{kv: log.Leases(), key: LeaderKey("x"), holder: "b", duration: 10 * time.Second,
		now: func() time.Time { return now }, log: logrus.NewEntry(logrus.New())}
	if rev, err := l.tryAcquire(ctx); err != nil || rev != 0 {
		t.Fatalf("taken at once: rev %d, %v", rev, err)
	}
	now = now.Add(11 * time.Second)
	if rev, err := l.tryAcquire(ctx); err != nil || rev == 0 {
		t.Fatalf("not taken after its duration: rev %d, %v", rev, err)
	}
}
