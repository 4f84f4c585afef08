package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/types"
)

// FleetConfig: agents that share one projection and one NATS connection
// (the Log's), e.g. the hollow nodes of a load test in one OS process.
type FleetConfig struct {
	Log *natslog.Log
	// Agents each have their own NodeName (distinct) and Runtime (not
	// shared: an agent claims every container its runtime holds); Log may
	// be left nil (the fleet's is used).
	Agents []Config
}

// registerParallel bounds how many agents of a fleet register their Node
// at once (each registration is an append and a wait for the projection).
const registerParallel = 64

// RunFleet registers and runs every agent until ctx ends, over one
// projection of the log whose listener hands each pod change to the
// agent(s) of the pod's node before and after it (a map lookup, not one
// callback per agent). Each agent behaves as under Run; when one fails
// (its registration), the others end too and its error is returned.
func RunFleet(ctx context.Context, cfg FleetConfig) error {
	if cfg.Log == nil || len(cfg.Agents) == 0 {
		return errors.New("nodeagent: a fleet needs a Log and agents")
	}
	cfgs := make([]Config, len(cfg.Agents))
	seen := make(map[string]bool, len(cfg.Agents))
	for i, c := range cfg.Agents {
		switch {
		case c.NodeName == "" || c.Runtime == nil:
			return fmt.Errorf("nodeagent: fleet agent %d: NodeName and Runtime are required", i)
		case seen[c.NodeName]:
			return fmt.Errorf("nodeagent: fleet agent %d: node %s twice", i, c.NodeName)
		case c.Log != nil && c.Log != cfg.Log:
			return fmt.Errorf("nodeagent: fleet agent %s: a Log other than the fleet's", c.NodeName)
		}
		seen[c.NodeName] = true
		c.Log = cfg.Log
		cfgs[i] = c
	}
	return runFleet(ctx, cfg.Log, "nodeagent/fleet", cfgs)
}

// fleet is what its agents share: the projection, its one listener's
// routing table, the index of pod addresses, the host's facts.
type fleet struct {
	proj    *projections.Projection
	byNode  map[string]*agent // read-only once the projection starts
	ips     *podIPs
	machine *machine
}

// runFleet runs the agents of cfgs (validated, Log set) over a projection
// named name until ctx ends, then shuts each down, then stops the log
// shipper (so that stopped containers' last lines ship too).
func runFleet(ctx context.Context, l *natslog.Log, name string, cfgs []Config) error {
	f := &fleet{proj: projections.New(l, name), byNode: make(map[string]*agent, len(cfgs)),
		ips: &podIPs{held: map[string][]types.UID{}}, machine: readMachine()}
	agents := make([]*agent, 0, len(cfgs))
	for _, c := range cfgs {
		a := newAgent(c, f)
		f.byNode[c.NodeName] = a
		agents = append(agents, a)
	}
	label, logger := fmt.Sprintf("fleet of %d", len(agents)), logrus.WithFields(logrus.Fields{"service": "nodeagent", "nodes": len(agents)})
	if len(agents) == 1 {
		label, logger = agents[0].cfg.NodeName, agents[0].log
	}
	stopShipping := f.shipLogs(ctx, l, logger, agents)
	defer stopShipping()
	f.proj.OnApply(f.dispatch)
	if err := f.proj.Start(ctx); err != nil {
		var wg sync.WaitGroup
		for _, a := range agents {
			wg.Add(1)
			go func() { defer wg.Done(); a.shutdown() }()
		}
		wg.Wait()
		return fmt.Errorf("nodeagent %s: %w", label, err)
	}
	runCtx, cancel := context.WithCancel(ctx)
	defer cancel()
	registering := make(chan struct{}, registerParallel)
	errs := make(chan error, len(agents))
	var wg sync.WaitGroup
	for _, a := range agents {
		wg.Add(1)
		go func() {
			defer wg.Done()
			err := a.run(runCtx, registering)
			a.shutdown()
			if err != nil {
				errs <- err
				cancel()
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs // the first error, nil if none
}

// shipLogs gives the runtimes that take a log sink one shipper of the
// fleet (none when no runtime does: the hollow one writes nothing).
func (f *fleet) shipLogs(ctx context.Context, l *natslog.Log, logger *logrus.Entry, agents []*agent) (stop func()) {
	type sinkSetter interface{ SetLogSink(runtime.LogSink) }
	var setters []sinkSetter
	for _, a := range agents {
		if s, ok := a.cfg.Runtime.(sinkSetter); ok {
			setters = append(setters, s)
		}
	}
	if len(setters) == 0 {
		return func() {}
	}
	ship, stop := startLogShipper(ctx, l, logger)
	for _, s := range setters {
		s.SetLogSink(ship.sink)
	}
	return stop
}

// dispatch is the projection's one listener: a pod change goes to the
// agent of the node the pod was bound to and to that of the node it is
// bound to now.
func (f *fleet) dispatch(prev, cur *projections.Entry, _ *events.Event) {
	if cur.Resource == "persistentvolumes" && cur.Deleted() && prev != nil {
		f.reclaimed(prev)
		return
	}
	if cur.Resource != pods {
		return
	}
	f.ips.update(prev, cur)
	from, to := nodeOf(prev), nodeOf(cur)
	if a := f.byNode[from]; a != nil {
		a.queue.Add(cur.Key())
	}
	if a := f.byNode[to]; a != nil && to != from {
		a.queue.Add(cur.Key())
	}
}

// podIPs indexes the addresses held by live pods (of any node) that have
// not finished, so that finding a free address asks a map rather than
// scanning every pod for every address tried.
type podIPs struct {
	mu   sync.RWMutex
	held map[string][]types.UID // address → pods holding it
}

// ipHolder tells whether the entry's pod holds an address.
func ipHolder(e *projections.Entry) (ip string, uid types.UID, ok bool) {
	if e == nil || e.Object == nil {
		return "", "", false
	}
	p, isPod := e.Object.(*corev1.Pod)
	if !isPod || p.Status.PodIP == "" || p.Status.Phase == corev1.PodSucceeded || p.Status.Phase == corev1.PodFailed {
		return "", "", false
	}
	return p.Status.PodIP, p.UID, true
}

// update replaces what prev held by what cur holds.
func (x *podIPs) update(prev, cur *projections.Entry) {
	pip, puid, had := ipHolder(prev)
	cip, cuid, has := ipHolder(cur)
	if had == has && pip == cip && puid == cuid {
		return
	}
	x.mu.Lock()
	defer x.mu.Unlock()
	if had {
		uids := x.held[pip]
		for i, u := range uids {
			if u == puid {
				uids = append(uids[:i:i], uids[i+1:]...)
				break
			}
		}
		if len(uids) == 0 {
			delete(x.held, pip)
		} else {
			x.held[pip] = uids
		}
	}
	if has {
		x.held[cip] = append(x.held[cip], cuid)
	}
}

// heldByOther tells whether a pod other than self holds ip.
func (x *podIPs) heldByOther(ip string, self types.UID) bool {
	x.mu.RLock()
	defer x.mu.RUnlock()
	for _, u := range x.held[ip] {
		if u != self {
			return true
		}
	}
	return false
}
