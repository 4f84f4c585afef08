package loadtest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/client"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/services/nodeagent"
	"k8s.io/apimachinery/pkg/api/resource"
)

// Namespace holds every object the load test makes.
const Namespace = "loadtest"

// run is one load test's environment.
type run struct {
	cfg     Config
	log     *natslog.Log
	api     *client.Client
	start   time.Time
	inProc  bool
	nodes   []string
	fleetWG sync.WaitGroup
	retries atomic.Int64 // set-up requests retried after a server error
}

func (r *run) progress(format string, args ...any) {
	if r.cfg.Progress != nil {
		fmt.Fprintf(r.cfg.Progress, "[%6.1fs] %s\n", time.Since(r.start).Seconds(), fmt.Sprintf(format, args...))
	}
}

// Run performs the load test and returns its report.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	r := &run{cfg: cfg, start: time.Now()}
	rep := &Report{Config: cfg, Started: r.start, Machine: thisMachine()}
	stop, err := r.open(ctx)
	if err != nil {
		return nil, err
	}
	defer func() {
		cancel() // the hollow nodes and followers end with ctx
		stop()
	}()

	r.progress("measuring the raw JetStream ceiling (%d messages each way)", cfg.CeilingMessages)
	if rep.Ceiling, err = MeasureCeiling(ctx, r.log, cfg.CeilingMessages); err != nil {
		return nil, err
	}
	r.progress("ceiling: %.0f sync CAS appends/s, %.0f async appends/s, %.0f replayed/s",
		rep.Ceiling.SyncCASPerSecond, rep.Ceiling.AsyncPerSecond, rep.Ceiling.ReplayPerSecond)

	if err := r.startNodes(ctx); err != nil {
		return nil, err
	}
	if err := r.ensureNamespace(ctx); err != nil {
		return nil, err
	}
	if rep.Pods, err = r.createPods(ctx); err != nil {
		return nil, err
	}
	rep.Memory = r.memory(ctx)
	if cfg.AtScale != nil {
		if err := cfg.AtScale(); err != nil {
			return nil, err
		}
	}
	if rep.API, err = r.measureAPI(ctx); err != nil {
		return nil, err
	}
	if rep.Rolling, err = r.rollingUpdate(ctx); err != nil {
		return nil, err
	}
	if rep.Replay, err = r.replay(ctx); err != nil {
		return nil, err
	}
	if peak := peakRSS(); peak > rep.Memory.PeakRSSBytes {
		rep.Memory.PeakRSSBytes = peak
	}
	rep.computeRatios()
	rep.SetupRetries = r.retries.Load()
	r.progress("done")
	return rep, nil
}

// open starts the all-in-one (or connects to the running control plane)
// and returns what stops it.
func (r *run) open(ctx context.Context) (func(), error) {
	if r.cfg.NATSURL != "" {
		var err error
		if r.log, err = natslog.Dial(ctx, r.cfg.NATSURL, "jetplane-loadtest", natslog.Config{Credentials: r.cfg.Credentials, CAPEM: r.cfg.NATSCA}); err != nil {
			return nil, fmt.Errorf("loadtest: %w", err)
		}
		if r.api, err = client.FromKubeconfig(r.cfg.Kubeconfig); err != nil {
			r.log.Close()
			return nil, fmt.Errorf("loadtest: %w", err)
		}
		return func() { r.fleetWG.Wait(); r.log.Close() }, nil
	}
	dir, cleanup := r.cfg.DataDir, func() {}
	if dir == "" {
		tmp, err := os.MkdirTemp("", "jetplane-loadtest-")
		if err != nil {
			return nil, fmt.Errorf("loadtest: %w", err)
		}
		dir, cleanup = tmp, func() { os.RemoveAll(tmp) }
	}
	r.progress("starting the all-in-one control plane in %s", dir)
	c, err := allinone.Start(ctx, allinone.Options{DataDir: dir, GatewayAddr: "127.0.0.1:0", NATSPort: -1, Runtime: nodeagent.RuntimeHollow,
		NodeName: nodeName(0), IngressAddr: "-", Events: natslog.Config{SnapshotEvery: allinone.DefaultSnapshotEvery, SnapshotInterval: allinone.DefaultSnapshotInterval}})
	if err != nil {
		cleanup()
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	r.inProc, r.log, r.nodes = true, c.Log, []string{nodeName(0)}
	if r.api, err = client.FromKubeconfig(c.Kubeconfig); err != nil {
		_ = c.Stop()
		cleanup()
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	return func() {
		r.progress("stopping")
		if err := c.Stop(); err != nil && !errors.Is(err, context.Canceled) {
			r.progress("stop: %v", err)
		}
		r.fleetWG.Wait()
		cleanup()
	}, nil
}

func nodeName(i int) string { return fmt.Sprintf("hollow-%04d", i) }

// startNodes runs the hollow nodes (beside the all-in-one's own, which is
// hollow too) and waits until every one is Ready.
func (r *run) startNodes(ctx context.Context) error {
	first := len(r.nodes)
	var agents []nodeagent.Config
	for i := first; i < r.cfg.Nodes; i++ {
		rt, err := nodeagent.NewHollowRuntime(fmt.Sprintf("10.%d.%d.0/24", 64+i/256, i%256))
		if err != nil {
			return fmt.Errorf("loadtest: %w", err)
		}
		agents = append(agents, nodeagent.Config{NodeName: nodeName(i), Runtime: rt,
			Labels: map[string]string{"jetplane.dev/hollow": "true"}, MaxPods: r.cfg.maxPodsPerNode(),
			CPU: resource.MustParse("64"), Memory: resource.MustParse("256Gi")})
		r.nodes = append(r.nodes, nodeName(i))
	}
	if len(agents) == 0 {
		return nil
	}
	r.progress("starting %d hollow nodes", len(agents))
	errs := make(chan error, 1)
	r.fleetWG.Add(1)
	go func() {
		defer r.fleetWG.Done()
		if err := nodeagent.RunFleet(ctx, nodeagent.FleetConfig{Log: r.log, Agents: agents}); err != nil && ctx.Err() == nil {
			errs <- err
		}
	}()
	return r.waitFor(ctx, "nodes Ready", errs, func() (string, bool, error) {
		n, err := r.readyNodes(ctx)
		return fmt.Sprintf("%d/%d nodes Ready", n, r.cfg.Nodes), n >= r.cfg.Nodes, err
	})
}

// waitFor polls done every 250 ms, printing its status every second,
// until it says done, errs delivers, or the phase times out.
func (r *run) waitFor(ctx context.Context, what string, errs <-chan error, done func() (string, bool, error)) error {
	deadline := time.Now().Add(r.cfg.Timeout)
	tick := time.NewTicker(250 * time.Millisecond)
	defer tick.Stop()
	last := time.Now()
	for {
		status, ok, err := done()
		if err != nil {
			return fmt.Errorf("loadtest: %s: %w", what, err)
		}
		if ok {
			r.progress("%s", status)
			return nil
		}
		if time.Since(last) >= time.Second {
			r.progress("%s", status)
			last = time.Now()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("loadtest: %s: not done after %s: %s", what, r.cfg.Timeout, status)
		}
		select {
		case err := <-errs:
			return fmt.Errorf("loadtest: %s: %w", what, err)
		case <-ctx.Done():
			return ctx.Err()
		case <-tick.C:
		}
	}
}
