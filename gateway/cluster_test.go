package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
)

// A watch opened right after the NATS node leading the event stream is
// killed delivers every later change, in order, once — while writes go on
// through the gateway and every acknowledged one is among them.
func TestWatchOpenedAfterTheStreamLeadersLossDeliversEveryLaterEvent(t *testing.T) {
	t.Parallel()
	cl := eventstest.StartCluster(t, 3)
	g := startGatewayOn(t, cl.Log(t, "gateway"), nil, nil)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()
	path := "/api/v1/namespaces/default/configmaps"
	created := g.must(http.StatusCreated, "POST", path, map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
		"metadata": map[string]any{"name": "w"}, "data": map[string]any{"n": "0"}})
	var cm struct {
		Metadata struct {
			ResourceVersion string `json:"resourceVersion"`
		} `json:"metadata"`
	}
	created.into(t, &cm)
	from, _ := strconv.ParseUint(cm.Metadata.ResourceVersion, 10, 64)

	info, err := g.log.Info(ctx)
	if err != nil || info.Leader == "" {
		t.Fatalf("the EVENTS leader: %+v %v", info, err)
	}
	cl.Kill(info.Leader)
	watch := g.openWatch(ctx, path+"?watch=1&fieldSelector=metadata.name%3Dw&resourceVersion="+cm.Metadata.ResourceVersion)

	// Writes through the gateway, each a CAS at the version it read; one
	// whose outcome is unknown (a 5xx, a timeout) is tried again from a read.
	var mu sync.Mutex
	var acked []uint64
	wrote := make(chan struct{})
	go func() {
		defer close(wrote)
		rv := cm.Metadata.ResourceVersion
		for i := 1; i <= 30 && ctx.Err() == nil; i++ {
			body, _ := json.Marshal(map[string]any{"apiVersion": "v1", "kind": "ConfigMap",
				"metadata": map[string]any{"name": "w", "resourceVersion": rv}, "data": map[string]any{"n": strconv.Itoa(i)}})
			req, _ := http.NewRequestWithContext(ctx, "PUT", g.http.URL+path+"/w", bytes.NewReader(body))
			req.Header.Set("Content-Type", "application/json")
			resp, err := g.client().Do(req)
			if err != nil || resp.StatusCode != http.StatusOK {
				if resp != nil {
					resp.Body.Close()
				}
				i-- // again, from what the log holds now
				if got, ok := g.getQuietly(ctx, path+"/w"); ok {
					rv = got["metadata"].(map[string]any)["resourceVersion"].(string)
					if n, _ := strconv.Atoi(got["data"].(map[string]any)["n"].(string)); n > i {
						i = n // the unknown write had landed
					}
				}
				continue
			}
			var out map[string]any
			json.NewDecoder(resp.Body).Decode(&out)
			resp.Body.Close()
			rv = out["metadata"].(map[string]any)["resourceVersion"].(string)
			n, _ := strconv.ParseUint(rv, 10, 64)
			mu.Lock()
			acked = append(acked, n)
			mu.Unlock()
		}
	}()
	<-wrote
	if ctx.Err() != nil {
		t.Fatalf("writes after the leader's loss: %v", ctx.Err())
	}
	mu.Lock()
	last := acked[len(acked)-1]
	mu.Unlock()

	var delivered []uint64
	for rv := range watch {
		delivered = append(delivered, rv)
		if rv >= last {
			break
		}
	}
	var want []uint64
	err = g.log.Replay(ctx, events.Subject("configmaps", "default", "w"), from+1, last, func(ev *events.Event, _ error) error {
		want = append(want, ev.Seq)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(delivered, want) {
		t.Fatalf("the watch delivered %v; the log holds %v", delivered, want)
	}
	for _, rv := range acked {
		if !slices.Contains(want, rv) {
			t.Errorf("acknowledged write %d is not in the log", rv)
		}
	}
}

// getQuietly reads an object from any goroutine: a failure is false, not
// the end of the test.
func (g *testGateway) getQuietly(ctx context.Context, path string) (map[string]any, bool) {
	req, _ := http.NewRequestWithContext(ctx, "GET", g.http.URL+path, nil)
	resp, err := g.client().Do(req)
	if err != nil {
		return nil, false
	}
	defer resp.Body.Close()
	var out map[string]any
	return out, resp.StatusCode == http.StatusOK && json.NewDecoder(resp.Body).Decode(&out) == nil
}

// openWatch streams a watch's resourceVersions (ADDED, MODIFIED, DELETED)
// until it ends; it fails the test if the watch cannot be opened.
func (g *testGateway) openWatch(ctx context.Context, path string) <-chan uint64 {
	g.t.Helper()
	req, _ := http.NewRequestWithContext(ctx, "GET", g.http.URL+path, nil)
	resp, err := g.client().Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		g.t.Fatalf("watch %s: %v %v", path, resp, err)
	}
	out := make(chan uint64)
	go func() {
		defer close(out)
		defer resp.Body.Close()
		dec := json.NewDecoder(resp.Body)
		for {
			var ev struct {
				Type   string `json:"type"`
				Object struct {
					Metadata struct {
						ResourceVersion string `json:"resourceVersion"`
					} `json:"metadata"`
				} `json:"object"`
			}
			if err := dec.Decode(&ev); err != nil {
				return
			}
			if ev.Type == "BOOKMARK" || ev.Type == "ERROR" {
				continue
			}
			rv, err := strconv.ParseUint(ev.Object.Metadata.ResourceVersion, 10, 64)
			if err != nil {
				return // an event without a resourceVersion: the delivered list ends short and the test says so
			}
			select {
			case out <- rv:
			case <-ctx.Done():
				return
			}
		}
	}()
	return out
}
