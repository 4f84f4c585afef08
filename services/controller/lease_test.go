package controller

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	coordinationv1 "k8s.io/api/coordination/v1"
)

// A restarted instance takes back at once the lease its crashed process
// held (same instance name), where another instance would wait the lease
// out; its parts run only while it leads, and its writer is fenced.
func TestRestartedInstanceReclaimsItsLease(t *testing.T) {
	t.Parallel()
	log := eventstest.Log(t)
	// The crashed incarnation's record, renewed just now, for an hour.
	stale, hour := "jetplane/crashy/a#0ld1nc4r", int32(3600)
	data, _ := json.Marshal(coordinationv1.LeaseSpec{HolderIdentity: &stale, LeaseDurationSeconds: &hour})
	if _, err := log.Leases().Create(context.Background(), LeaderKey("crashy"), data); err != nil {
		t.Fatal(err)
	}
	var working, partWorking atomic.Bool
	part := &Service{Name: "crashy/part", Keys: func() []string { return []string{"k"} },
		Reconcile: func(context.Context, string) (time.Duration, error) { partWorking.Store(true); return 0, nil }}
	svc := &Service{Name: "crashy", Instance: "a", Log: log, Leader: true, LeaseDuration: time.Hour, Parts: []*Service{part},
		Work: func(ctx context.Context) { working.Store(true); <-ctx.Done() }}
	run(t, svc)
	eventstest.Eventually(t, 10*time.Second, func() error {
		if !working.Load() || !partWorking.Load() {
			return errors.New("not leading yet")
		}
		return nil
	})
	if h := holder(t, log, "crashy"); h == stale || !strings.HasPrefix(h, "jetplane/crashy/a#") {
		t.Fatalf("lease held by %q", h)
	}
	if err := svc.Writer().fenced(); err != nil {
		t.Fatalf("the leader's writes are fenced: %v", err)
	}
}

// The fence opens for two thirds of the lease's duration from the start
// of the last renewal, and closes when the term ends.
func TestLeaseFence(t *testing.T) {
	t.Parallel()
	l := &lease{key: "leader.x", duration: 30 * time.Second}
	for _, c := range []struct {
		name    string
		renewed time.Time
		open    bool
	}{
		{"never held", time.Time{}, false},
		{"renewed just now", time.Now(), true},
		{"renewed a third of the duration ago", time.Now().Add(-10 * time.Second), true},
		{"not renewed for two thirds (a paused process)", time.Now().Add(-21 * time.Second), false},
	} {
		l.renewed(c.renewed)
		if err := l.fence(); (err == nil) != c.open || err != nil && !errors.Is(err, ErrNotLeader) {
			t.Errorf("%s: fence %v, want open %v", c.name, err, c.open)
		}
	}
	l.renewed(time.Now())
	l.renewed(time.Time{}) // the term ended
	if err := l.fence(); !errors.Is(err, ErrNotLeader) {
		t.Errorf("after the term: %v", err)
	}
}
