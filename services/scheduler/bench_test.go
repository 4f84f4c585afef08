package scheduler

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

// BenchmarkScheduler binds 10,000 pods (of 20 ReplicaSets, 100m/128Mi each)
// onto 1,000 Ready nodes written directly (no agents). Beside the bind rate
// it reports, measured in the same run on the same server, the rate of
// sequential CAS appends: through the log's append path (creating the
// pods) and bare JetStream publishes with the same expectation header.
//
//	go test -run '^$' -bench Scheduler ./services/scheduler/
func BenchmarkScheduler(b *testing.B) {
	const nodes, pods, owners = 1000, 10000, 20
	ctx := context.Background()
	var bindRate, appendRate, rawRate float64
	for range b.N {
		b.StopTimer()
		log := eventstest.Log(b)
		parallel(b, nodes, 8, func(i int) {
			n := readyNode(fmt.Sprintf("node-%04d", i), 110, nil)
			n.Status.Allocatable[corev1.ResourceCPU] = resource.MustParse("32")
			n.Status.Allocatable[corev1.ResourceMemory] = resource.MustParse("128Gi")
			write(b, log, "nodes", n)
		})
		rawRate += rawCASPublishRate(b, log, pods)
		began := time.Now()
		for i := range pods {
			write(b, log, "pods", benchPod(i, owners))
		}
		appendRate += pods / time.Since(began).Seconds()

		runCtx, cancel := context.WithCancel(ctx)
		done := make(chan error, 1)
		b.StartTimer()
		began = time.Now()
		go func() { done <- Run(runCtx, Config{Log: log, Instance: "bench", NoLeaderElection: true}) }()
		waitBound(b, log, pods)
		elapsed := time.Since(began)
		b.StopTimer()
		bindRate += pods / elapsed.Seconds()
		cancel()
		if err := <-done; err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(bindRate/float64(b.N), "pods-bound/s")
	b.ReportMetric(appendRate/float64(b.N), "cas-appends/s")
	b.ReportMetric(rawRate/float64(b.N), "raw-cas-publish/s")
}

func benchPod(i, owners int) *corev1.Pod {
	p := pendingPod(fmt.Sprintf("web-%05d", i), nil)
	yes := true
	owner := i % owners
	p.OwnerReferences = []metav1.OwnerReference{{APIVersion: "apps/v1", Kind: "ReplicaSet", Name: fmt.Sprintf("web-%d", owner),
		UID: types.UID(fmt.Sprintf("rs-%d", owner)), Controller: &yes}}
	p.Spec.Containers[0].Resources.Requests = corev1.ResourceList{
		corev1.ResourceCPU: resource.MustParse("100m"), corev1.ResourceMemory: resource.MustParse("128Mi")}
	return p
}

// parallel runs fn(0..n-1) on workers goroutines.
func parallel(b *testing.B, n, workers int, fn func(i int)) {
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += workers {
				fn(i)
			}
		}()
	}
	wg.Wait()
}

// rawCASPublishRate publishes n pod-sized messages one after the other to a
// subjects of their own on the same server, each expecting its subject empty.
func rawCASPublishRate(b *testing.B, log *natslog.Log, n int) float64 {
	b.Helper()
	ctx := context.Background()
	data, err := json.Marshal(benchPod(0, 1))
	if err != nil {
		b.Fatal(err)
	}
	began := time.Now()
	for i := range n {
		if err := log.PublishRaw(ctx, fmt.Sprintf("jetplane.ev.rawcas._.p%d", i), data, true); err != nil {
			b.Fatal(err)
		}
	}
	return float64(n) / time.Since(began).Seconds()
}

// waitBound follows the bind ledger until they record n bindings.
func waitBound(b *testing.B, log *natslog.Log, n int) {
	b.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	enough := errors.New("all bound")
	bound := 0
	err := log.Follow(ctx, events.FilterSubject(LedgerResource, ""), 1, func(ev *events.Event, decErr error) error {
		if decErr != nil {
			return decErr
		}
		var entry ledgerEntry
		if err := json.Unmarshal(ev.Data, &entry); err != nil {
			return err
		}
		if bound += len(entry.Items); bound >= n {
			return enough
		}
		return nil
	})
	if !errors.Is(err, enough) {
		b.Fatalf("%d of %d pods bound: %v", bound, n, err)
	}
}
