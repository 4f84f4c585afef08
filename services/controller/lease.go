package controller

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/sirupsen/logrus"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// LeaderKey is the leases bucket key a service that acts alone campaigns for.
func LeaderKey(service string) string { return "leader." + service }

// lease is leader election over one key of the leases KV bucket, with the
// KV revision as the compare-and-swap. The value is a Kubernetes LeaseSpec.
//
// Why a service may need a leader (the scheduler does): CAS on an object's
// sequence stops two instances changing it twice, but not two schedulers
// binding two different pods into the last free slot of one node, each
// from a view that lacks the other's bind. One leader deciding serially
// never over-commits.
//
// Expiry is judged by the local clock from when this instance last saw the
// record change (as client-go does), so clocks need not agree across hosts.
type lease struct {
	kv       events.KV
	key      string
	holder   string
	duration time.Duration
	now      func() time.Time
	log      *logrus.Entry

	observedRev  uint64 // revision last read, and when: expiry counts from there
	observedAt   time.Time
	acquiredTime time.Time
	// reclaimed: the first campaign may take at once a record of this
	// instance's name — its own, left by the process it restarts.
	reclaimed bool

	mu         sync.Mutex
	validUntil time.Time // the term's writes are fenced past it (fence)
}

// ErrNotLeader: a write of a leader-elected service outside a valid term
// (the lease lost, or not renewed in time: the process was paused).
var ErrNotLeader = errors.New("not the leader: the lease is lost or not renewed in time")

// fence refuses writes once the term may have ended: two thirds of the
// lease's duration after the last renewal, by this host's monotonic clock
// (which runs on while the process is stopped), before any standby may
// take the lease over.
func (l *lease) fence() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	if time.Now().Before(l.validUntil) {
		return nil
	}
	return fmt.Errorf("lease %s: %w", l.key, ErrNotLeader)
}

// renewed extends the fence from a renewal (or the acquisition) made at
// or after began; zero ends the term.
func (l *lease) renewed(began time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	if began.IsZero() {
		l.validUntil = time.Time{}
		return
	}
	l.validUntil = began.Add(l.duration * 2 / 3)
}

// sameInstance tells whether holder names this instance (its source, any
// incarnation).
func (l *lease) sameInstance(holder string) bool {
	mine, _, _ := strings.Cut(l.holder, "#")
	theirs, _, _ := strings.Cut(holder, "#")
	return theirs == mine
}

// run campaigns for the lease and calls lead with a context that ends when
// leadership is lost or ctx ends; then it campaigns again. On a clean stop it
// releases the lease so a standby takes over at once.
func (l *lease) run(ctx context.Context, lead func(ctx context.Context)) error {
	retry := Backoff{Base: min(l.duration/5, time.Second)} // constant: campaign at a steady pace
	for {
		began := time.Now()
		rev, err := l.tryAcquire(ctx)
		l.reclaimed = true
		if err != nil && ctx.Err() == nil {
			l.log.WithError(err).Warn("lease: acquire failed")
		}
		if rev == 0 {
			if !retry.Wait(ctx, 0) {
				return nil
			}
			continue
		}
		l.log.WithField("lease", l.key).Info("became leader")
		l.renewed(began)
		leadCtx, cancel := context.WithCancel(ctx)
		done := make(chan struct{})
		go func() {
			defer close(done)
			lead(leadCtx)
		}()
		rev = l.hold(leadCtx, rev)
		l.renewed(time.Time{})
		cancel()
		l.awaitLead(done)
		if ctx.Err() != nil {
			l.release(rev)
			return nil
		}
		l.log.WithField("lease", l.key).Warn("lost leadership")
	}
}

// awaitLead waits for the lead loop to end after its context did, warning
// while it does not: a term must end before the next campaign.
func (l *lease) awaitLead(done <-chan struct{}) {
	grace := max(l.duration, time.Second)
	waited := time.Duration(0)
	for {
		select {
		case <-done:
			return
		case <-time.After(grace):
			waited += grace
			l.log.WithFields(logrus.Fields{"lease": l.key, "waited": waited}).
				Warn("lease: leadership ended but the lead loop has not stopped yet")
		}
	}
}

func (l *lease) record(acquired time.Time) []byte {
	d := int32(l.duration / time.Second)
	d = max(d, 1)
	now := metav1.NewMicroTime(l.now())
	at := metav1.NewMicroTime(acquired)
	holder := l.holder
	spec := coordinationv1.LeaseSpec{HolderIdentity: &holder, LeaseDurationSeconds: &d, AcquireTime: &at, RenewTime: &now}
	data, _ := json.Marshal(spec) // a LeaseSpec always encodes
	return data
}

// tryAcquire takes the lease if it is free, released, expired or already
// ours; it returns the new revision, or 0 when someone else holds it.
func (l *lease) tryAcquire(ctx context.Context) (uint64, error) {
	entry, err := l.kv.Get(ctx, l.key)
	if errors.Is(err, events.ErrNotFound) {
		l.acquiredTime = l.now()
		rev, err := l.kv.Create(ctx, l.key, l.record(l.acquiredTime))
		if err != nil {
			return 0, ignoreLostRace(err)
		}
		return rev, nil
	}
	if err != nil {
		return 0, fmt.Errorf("lease %s: %w", l.key, err)
	}
	var spec coordinationv1.LeaseSpec
	holder := ""
	if err := json.Unmarshal(entry.Value, &spec); err != nil {
		// Not a record any service wrote (a reader can make the server
		// copy a message into the bucket): held by nobody known, so taken
		// only once it has stood a lease's duration, never at once while
		// the leader it displaced may still be acting.
		holder = "?"
	} else if spec.HolderIdentity != nil {
		holder = *spec.HolderIdentity
	}
	if entry.Revision != l.observedRev {
		l.observedRev, l.observedAt = entry.Revision, l.now()
	}
	// A restarted instance takes its own lease back at once (its old
	// process is gone: it was this one); two live instances of one name
	// would take it from each other once, then campaign as any other.
	own := holder == l.holder || !l.reclaimed && l.sameInstance(holder)
	held := holder != "" && !own && l.now().Before(l.observedAt.Add(l.duration))
	if held {
		return 0, nil
	}
	l.acquiredTime = l.now()
	rev, err := l.kv.Update(ctx, l.key, l.record(l.acquiredTime), entry.Revision)
	if err != nil {
		return 0, ignoreLostRace(err)
	}
	return rev, nil
}

// ignoreLostRace: another instance took the lease between our read and write.
func ignoreLostRace(err error) error {
	if errors.Is(err, events.ErrRevisionMismatch) || errors.Is(err, events.ErrKeyExists) {
		return nil
	}
	return err
}

// hold renews the lease until ctx ends or a renewal cannot be made in time.
// The leader gives up after two thirds of the duration without a renewal,
// before any standby may take over (a full duration), so two never lead.
func (l *lease) hold(ctx context.Context, rev uint64) uint64 {
	renewEvery := l.duration / 3
	deadline := l.duration * 2 / 3
	lastRenew := l.now()
	t := time.NewTicker(renewEvery)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return rev
		case <-t.C:
		}
		began := time.Now()
		rctx, cancel := context.WithTimeout(ctx, renewEvery)
		next, err := l.renew(rctx, rev)
		cancel()
		var taken *errLeaseTaken
		switch {
		case err == nil:
			rev, lastRenew = next, l.now()
			l.renewed(began)
		case errors.As(err, &taken):
			l.renewed(time.Time{})
			l.log.WithField("lease", l.key).WithError(err).Warn("lease: taken by another instance")
			return 0
		case ctx.Err() != nil:
			return rev
		case l.now().Sub(lastRenew) >= deadline:
			l.log.WithError(err).Warn("lease: renewal deadline passed")
			return 0
		default:
			l.log.WithError(err).Warn("lease: renewal failed; retrying")
		}
	}
}

// errLeaseTaken: the lease record names another holder (or none) now.
type errLeaseTaken struct{ holder string }

func (e *errLeaseTaken) Error() string {
	if e.holder == "" {
		return "lease released"
	}
	return "lease held by " + e.holder
}

// renew updates the record expecting revision rev. A newer revision may be
// our own: a renewal that timed out on the client can still land on the
// server. Only this instance writes its holder identity, and every write
// expects the revision before it, so a record that still names us means no
// one took the lease since: renew on from its revision. Otherwise it is an
// *errLeaseTaken.
func (l *lease) renew(ctx context.Context, rev uint64) (uint64, error) {
	next, err := l.kv.Update(ctx, l.key, l.record(l.acquiredTime), rev)
	if !errors.Is(err, events.ErrRevisionMismatch) && !errors.Is(err, events.ErrKeyExists) {
		return next, err
	}
	entry, gerr := l.kv.Get(ctx, l.key)
	if errors.Is(gerr, events.ErrNotFound) {
		return 0, &errLeaseTaken{}
	}
	if gerr != nil {
		return 0, fmt.Errorf("lease %s: revision moved past %d, reading it: %w", l.key, rev, gerr)
	}
	var spec coordinationv1.LeaseSpec
	_ = json.Unmarshal(entry.Value, &spec)
	holder := ""
	if spec.HolderIdentity != nil {
		holder = *spec.HolderIdentity
	}
	if holder != l.holder {
		return 0, &errLeaseTaken{holder: holder}
	}
	l.log.WithFields(logrus.Fields{"lease": l.key, "expected": rev, "found": entry.Revision}).
		Info("lease: an earlier renewal landed after timing out; renewing from it")
	next, err = l.kv.Update(ctx, l.key, l.record(l.acquiredTime), entry.Revision)
	if errors.Is(err, events.ErrRevisionMismatch) || errors.Is(err, events.ErrKeyExists) {
		return 0, &errLeaseTaken{holder: "another instance"}
	}
	return next, err
}

// release hands the lease back (holder emptied) if we still hold it.
func (l *lease) release(rev uint64) {
	if rev == 0 {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	empty := ""
	data, _ := json.Marshal(coordinationv1.LeaseSpec{HolderIdentity: &empty})
	if _, err := l.kv.Update(ctx, l.key, data, rev); err != nil {
		l.log.WithError(err).Debug("lease: release failed; it will expire")
	}
}
