package loadtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"github.com/jetplane/jetplane/loadtest"
)

// A smoke run of the load test (3 hollow nodes, 20 pods) gives a complete,
// well-formed report: every phase measured something, the JSON decodes,
// the table and the page carry the figures.
func TestSmokeRunProducesAWellFormedReport(t *testing.T) {
	cfg, err := loadtest.Preset("smoke")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = t.TempDir()
	var progress bytes.Buffer
	cfg.Progress = io.MultiWriter(&progress, testWriter{t})
	rep, err := loadtest.Run(context.Background(), cfg)
	if err != nil {
		t.Fatalf("%v\nprogress:\n%s", err, progress.String())
	}
	c := rep.Ceiling
	checks := []struct {
		what string
		ok   bool
	}{
		{"ceiling rates", c.SyncCASPerSecond > 0 && c.AsyncPerSecond > 0 && c.ReplayPerSecond > 0 && c.SyncCASLatency.Count == cfg.CeilingMessages},
		{"every pod Ready", rep.Pods.Pods == cfg.Pods && rep.Pods.Startup.Count == cfg.Pods},
		{"scheduling rate", rep.Pods.SchedulingPerSecond > 0},
		{"pod phase events", rep.Pods.Events >= 3*cfg.Pods && rep.Pods.EventsPerPod >= 3},
		{"ready curve ends at every pod", len(rep.Pods.ReadyCurve) > 0 && rep.Pods.ReadyCurve[len(rep.Pods.ReadyCurve)-1][1] == float64(cfg.Pods)},
		{"API latencies", rep.API.Mutating.Count > 0 && rep.API.Read.Count > 0 && rep.API.ListAllPods.Count == 3 && rep.API.Errors == 0},
		{"rolling update", rep.Rolling.Duration > 0 && rep.Rolling.Events >= 2*cfg.Pods},
		{"replay", rep.Replay.Events > uint64(rep.Pods.Events) && rep.Replay.Full > 0 && rep.Replay.FromSnapshot > 0 && rep.Replay.SnapshotAt > 0},
		{"memory", rep.Memory.RSSBytes > 0 && rep.Memory.HeapInuseBytes > 0 && rep.Memory.BytesPerEvent > 0},
		{"ratios", rep.Ratios["scheduling/syncCAS"] > 0 && rep.Ratios["replay/rawReplay"] > 0 && rep.Ratios["apiMutatingP99/syncCASP99"] > 0},
	}
	for _, ch := range checks {
		if !ch.ok {
			t.Errorf("%s: not measured: %+v", ch.what, rep)
		}
	}
	data, err := json.Marshal(rep)
	if err != nil {
		t.Fatal(err)
	}
	var back map[string]any
	if err := json.Unmarshal(data, &back); err != nil {
		t.Fatalf("report JSON: %v", err)
	}
	for _, k := range []string{"ceiling", "api", "pods", "rollingUpdate", "replay", "memory", "ratios"} {
		if back[k] == nil {
			t.Errorf("report JSON lacks %q", k)
		}
	}
	var table bytes.Buffer
	rep.Table(&table)
	for _, want := range []string{"raw sync CAS appends/s", "scheduling pods/s", "pod startup p50/p99/max ms", "replay", "×"} {
		if !strings.Contains(table.String(), want) {
			t.Errorf("table lacks %q:\n%s", want, table.String())
		}
	}
	var page bytes.Buffer
	if err := rep.HTML(&page); err != nil {
		t.Fatal(err)
	}
	if n := strings.Count(page.String(), "<polyline"); n != 3 {
		t.Errorf("page has %d curves, want 3 (ready, mutating, read)", n)
	}
	if !strings.Contains(progress.String(), "pods:") {
		t.Errorf("no progress shown:\n%s", progress.String())
	}
}

// testWriter shows progress lines in the test's log as they come.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
