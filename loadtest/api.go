package loadtest

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// apiPool is how many objects the API phase patches and reads.
const apiPool = 100

func endpoints(name string) *corev1.Endpoints {
	return &corev1.Endpoints{TypeMeta: metav1.TypeMeta{APIVersion: "v1", Kind: "Endpoints"},
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: Namespace, Labels: map[string]string{"loadtest": "api"}},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "10.1.2.3"}},
			Ports: []corev1.EndpointPort{{Port: 8080, Protocol: corev1.ProtocolTCP}}}}}
}

// measureAPI sends requests at the configured rate, open loop: of every
// four, one create, one patch (the mutating calls) and two gets, on
// Endpoints written by hand (no controller acts on them). Each latency
// counts from the request's due time. Then it lists every pod thrice.
func (r *run) measureAPI(ctx context.Context) (APIResult, error) {
	base := "/api/v1/namespaces/" + Namespace + "/endpoints"
	for i := range apiPool {
		if err := r.sendSetup(ctx, http.MethodPost, base, "application/json", endpoints(fmt.Sprintf("pool-%d", i))); err != nil {
			return APIResult{}, fmt.Errorf("loadtest: API pool: %w", err)
		}
	}
	total := int(float64(r.cfg.APIRate) * r.cfg.APIDuration.Seconds())
	interval := time.Second / time.Duration(r.cfg.APIRate)
	r.progress("API: %d requests at %d/s (create, patch, get, get)", total, r.cfg.APIRate)
	var (
		mu              sync.Mutex
		mutating, reads []time.Duration
		errCount        int
		firstErr        string
		wg              sync.WaitGroup
	)
	sem := make(chan struct{}, 512)
	start := time.Now()
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		if d := time.Until(due); d > 0 {
			select {
			case <-ctx.Done():
				wg.Wait()
				return APIResult{}, ctx.Err()
			case <-time.After(d):
			}
		}
		sem <- struct{}{}
		wg.Add(1)
		go func() {
			defer func() { <-sem; wg.Done() }()
			pool := fmt.Sprintf("%s/pool-%d", base, i%apiPool)
			var err error
			switch i % 4 {
			case 0:
				err = r.send(ctx, http.MethodPost, base, "application/json", endpoints(fmt.Sprintf("ep-%d", i)))
			case 1:
				err = r.send(ctx, http.MethodPatch, pool, "application/merge-patch+json",
					map[string]any{"metadata": map[string]any{"labels": map[string]string{"round": fmt.Sprint(i)}}})
			default:
				err = r.get(ctx, pool)
			}
			took := time.Since(due)
			mu.Lock()
			defer mu.Unlock()
			if err != nil {
				errCount++
				if firstErr == "" {
					firstErr = err.Error()
				}
				return
			}
			if i%4 < 2 {
				mutating = append(mutating, took)
			} else {
				reads = append(reads, took)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	res := APIResult{RatePerSecond: Rate(total, elapsed), Errors: errCount, FirstError: firstErr,
		Mutating: Summarise(mutating), Read: Summarise(reads)}
	res.MutatingCDF, res.ReadCDF = CDF(mutating, 100), CDF(reads, 100)
	var lists []time.Duration
	for range 3 {
		t := time.Now()
		if err := r.get(ctx, "/api/v1/pods"); err != nil {
			return res, fmt.Errorf("loadtest: list pods: %w", err)
		}
		lists = append(lists, time.Since(t))
	}
	res.ListAllPods = Summarise(lists)
	r.progress("API: mutating p99 %.1f ms, read p99 %.1f ms, %d errors; list of all pods %.0f ms",
		res.Mutating.P99, res.Read.P99, res.Errors, res.ListAllPods.P50)
	return res, nil
}

// get reads a whole answer, as a client would.
func (r *run) get(ctx context.Context, path string) error {
	resp, err := r.api.Do(ctx, http.MethodGet, path, nil, http.Header{"Accept": {"application/json"}})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, err = io.Copy(io.Discard, resp.Body)
	return err
}
