package loadtest

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"os"
	"runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
)

// replay rebuilds a projection — the engine every service runs over the
// whole log — from sequence 1, snapshots it, and rebuilds it again from
// the snapshot, each on a connection of its own.
func (r *run) replay(ctx context.Context) (Replay, error) {
	_, last, err := r.log.Bounds(ctx)
	if err != nil {
		return Replay{}, err
	}
	r.progress("replay: rebuilding a projection of %d events from sequence 1", last)
	const name = "loadtest-replay"
	// The two projections stop once measured: they must not weigh on what
	// comes after (the peak RSS).
	ctx, stop := context.WithCancel(ctx)
	defer stop()
	full, took, err := r.startProjection(ctx, name, natslog.Config{})
	if err != nil {
		return Replay{}, err
	}
	res := Replay{Events: full.LastApplied(), Full: Duration(took), FullPerSecond: Rate(int(full.LastApplied()), took)}
	var buf bytes.Buffer
	if _, err := full.State().WriteSnapshot(&buf); err != nil {
		return res, fmt.Errorf("loadtest: snapshot: %w", err)
	}
	res.SnapshotBytes = buf.Len()
	if res.SnapshotAt, err = full.SaveSnapshot(ctx); err != nil {
		return res, fmt.Errorf("loadtest: snapshot: %w", err)
	}
	r.progress("replay: %d events in %s; now from the snapshot at %d", res.Events, res.Full, res.SnapshotAt)
	// Snapshots on, but never due during the measure.
	again, took, err := r.startProjection(ctx, name, natslog.Config{SnapshotEvery: 1 << 62, SnapshotInterval: 1 << 62})
	if err != nil {
		return res, err
	}
	if again.LoadedSnapshot() == 0 {
		return res, fmt.Errorf("loadtest: the projection did not start from the snapshot it saved")
	}
	res.FromSnapshot = Duration(took)
	_ = r.log.Snapshots().Delete(ctx, name)
	return res, nil
}

// startProjection opens a connection, starts a projection on it and times
// Start (which returns once the projection has caught up with the log).
// The projection stops, and its connection closes, when ctx ends.
func (r *run) startProjection(ctx context.Context, name string, cfg natslog.Config) (*projections.Projection, time.Duration, error) {
	cfg.Prefix, cfg.Credentials, cfg.CAPEM = r.log.Config.Prefix, r.log.Config.Credentials, r.log.Config.CAPEM
	l, err := natslog.Dial(ctx, r.log.URL(), "jetplane-loadtest-replay", cfg)
	if err != nil {
		return nil, 0, fmt.Errorf("loadtest: replay: %w", err)
	}
	context.AfterFunc(ctx, l.Close)
	p := projections.New(l, name)
	t := time.Now()
	if err := p.Start(ctx); err != nil {
		l.Close()
		return nil, 0, fmt.Errorf("loadtest: replay: %w", err)
	}
	return p, time.Since(t), nil
}

// memory reads the process's memory and the stream's size.
func (r *run) memory(ctx context.Context) Memory {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	m := Memory{RSSBytes: procStatus("VmRSS"), PeakRSSBytes: peakRSS(), HeapInuseBytes: ms.HeapInuse}
	if info, err := r.log.Info(ctx); err == nil {
		m.StreamBytes, m.StreamEvents = info.Bytes, info.Events
		m.BytesPerEvent = float64(info.Bytes) / float64(max(1, info.Events))
	}
	if r.inProc {
		m.Note = "memory: one process holds the NATS server, every service, the hollow nodes and the load generator"
	} else {
		m.Note = "memory: the load generator and the hollow nodes only (the control plane runs elsewhere)"
	}
	return m
}

func peakRSS() uint64 { return procStatus("VmHWM") }

// procStatus reads a kB field of /proc/self/status, in bytes (0 elsewhere).
func procStatus(field string) uint64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseUint(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}
