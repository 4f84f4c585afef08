package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"testing"

	"github.com/jetplane/jetplane/events/eventstest"
)

// BenchmarkGateway measures pod creates and reads through the HTTP API
// (decode, validation, CAS append, waiting for the projection, encoding)
// beside a bare JetStream publish of a pod-sized message on the same server
// in the same run: compare the events/s figures as a ratio.
func BenchmarkGateway(b *testing.B) {
	ctx := context.Background()
	podJSON := func(i int) []byte {
		data, _ := json.Marshal(pod(fmt.Sprintf("bench-%d", i), map[string]string{"app": "bench"}, ""))
		return data
	}
	b.Run("raw-jetstream-publish", func(b *testing.B) {
		l := eventstest.Log(b)
		data := podJSON(0)
		for i := 0; b.Loop(); i++ {
			if err := l.PublishRaw(ctx, fmt.Sprintf("jetplane.ev.pods.default.raw-%d", i), data, false); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	send := func(b *testing.B, c *http.Client, method, url string, body []byte, want int) {
		req, err := http.NewRequest(method, url, bytes.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/json")
		resp, err := c.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want {
			b.Fatalf("%s %s: %d", method, url, resp.StatusCode)
		}
	}
	b.Run("http-create-pod", func(b *testing.B) {
		g := startGateway(b, nil)
		c := g.client()
		for i := 0; b.Loop(); i++ {
			send(b, c, "POST", g.http.URL+podsPath("default"), podJSON(i), http.StatusCreated)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "events/s")
	})
	b.Run("http-get-pod", func(b *testing.B) {
		g := startGateway(b, nil)
		c := g.client()
		send(b, c, "POST", g.http.URL+podsPath("default"), podJSON(0), http.StatusCreated)
		for b.Loop() {
			send(b, c, "GET", g.http.URL+podsPath("default")+"/bench-0", nil, http.StatusOK)
		}
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "reads/s")
	})
	for _, n := range []int{1000, 10000} {
		b.Run(fmt.Sprintf("http-list-%d-pods", n), func(b *testing.B) {
			g := startGateway(b, nil)
			c := g.client()
			for i := range n {
				send(b, c, "POST", g.http.URL+podsPath("default"), podJSON(i), http.StatusCreated)
			}
			for b.Loop() {
				send(b, c, "GET", g.http.URL+podsPath("default")+"?labelSelector=app%3Dbench", nil, http.StatusOK)
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "lists/s")
			b.ReportMetric(float64(b.N*n)/b.Elapsed().Seconds(), "pods-listed/s")
		})
	}
}
