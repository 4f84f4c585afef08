package gateway

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	coordinationv1 "k8s.io/api/coordination/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/rest"
	"k8s.io/client-go/tools/leaderelection"
	"k8s.io/client-go/tools/leaderelection/resourcelock"
)

// client-go's leader election runs on Leases: one of two candidates leads,
// and when it steps down (releasing the lease) the other takes over, the
// Lease counting the transition.
func TestClientGoLeaderElectionOnLeases(t *testing.T) {
	t.Parallel()
	g := startGateway(t, nil)
	cs, err := kubernetes.NewForConfig(&rest.Config{Host: g.http.URL, BearerToken: adminToken})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	leading := map[string]bool{}
	run := func(ctx context.Context, id string) <-chan struct{} {
		done := make(chan struct{})
		lock := &resourcelock.LeaseLock{LeaseMeta: metav1.ObjectMeta{Namespace: "default", Name: "demo"},
			Client: cs.CoordinationV1(), LockConfig: resourcelock.ResourceLockConfig{Identity: id}}
		go func() {
			defer close(done)
			leaderelection.RunOrDie(ctx, leaderelection.LeaderElectionConfig{
				Lock: lock, LeaseDuration: 3 * time.Second, RenewDeadline: 2 * time.Second, RetryPeriod: 300 * time.Millisecond,
				ReleaseOnCancel: true, Name: "demo",
				Callbacks: leaderelection.LeaderCallbacks{
					OnStartedLeading: func(context.Context) { mu.Lock(); leading[id] = true; mu.Unlock() },
					OnStoppedLeading: func() { mu.Lock(); leading[id] = false; mu.Unlock() },
				},
			})
		}()
		return done
	}
	leads := func(id string) error {
		mu.Lock()
		defer mu.Unlock()
		if !leading[id] {
			return fmt.Errorf("%s does not lead (%v)", id, leading)
		}
		return nil
	}
	ctxA, stopA := context.WithCancel(t.Context())
	doneA := run(ctxA, "a")
	eventstest.Eventually(t, 10*time.Second, func() error { return leads("a") })
	ctxB, stopB := context.WithCancel(t.Context())
	defer stopB()
	doneB := run(ctxB, "b")
	stopA()
	<-doneA
	eventstest.Eventually(t, 10*time.Second, func() error { return leads("b") })
	var l coordinationv1.Lease
	g.must(200, "GET", "/apis/coordination.k8s.io/v1/namespaces/default/leases/demo", nil).into(t, &l)
	if l.Spec.HolderIdentity == nil || *l.Spec.HolderIdentity != "b" || l.Spec.LeaseTransitions == nil || *l.Spec.LeaseTransitions < 1 {
		t.Fatalf("lease after the hand-over: %+v", l.Spec)
	}
	stopB()
	<-doneB
	g.must(422, "POST", "/apis/coordination.k8s.io/v1/namespaces/default/leases",
		&coordinationv1.Lease{ObjectMeta: metav1.ObjectMeta{Name: "bad"}, Spec: coordinationv1.LeaseSpec{LeaseDurationSeconds: new(int32(-1))}})
}
