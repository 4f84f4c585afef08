package nodeagent

import (
	"context"
	"sync"
	"time"

	"github.com/jetplane/jetplane/services/nodeagent/podsync"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
)

// prober runs the startup, liveness and readiness probes of running
// containers — one worker per container attempt, one goroutine per probe —
// and requeues the pod when a verdict changes. The rules (defaults,
// thresholds, startup gating, adopted containers) are podsync's.
type prober struct {
	rt      runtime.Runtime
	changed func(key string)
	now     func() time.Time
	log     *logrus.Entry

	mu      sync.Mutex
	workers map[runtime.ContainerID]*probeWorker
}

type probeWorker struct {
	key    string
	cancel context.CancelFunc
	result podsync.ProbeResult
}

func newProber(rt runtime.Runtime, changed func(string), now func() time.Time, log *logrus.Entry) *prober {
	return &prober{rt: rt, changed: changed, now: now, log: log, workers: map[runtime.ContainerID]*probeWorker{}}
}

// sync starts probing the pod's running containers and forgets ended ones.
// A container the agent adopts starts from what the log says of it.
func (p *prober) sync(key, ip string, pod *corev1.Pod, cs []runtime.ContainerInfo) {
	for _, c := range cs {
		spec := containerOf(pod, c.Spec.Name)
		if c.State.Phase != runtime.Running || spec == nil {
			p.forget(c.ID)
			continue
		}
		if spec.StartupProbe == nil && spec.LivenessProbe == nil && spec.ReadinessProbe == nil {
			continue
		}
		p.mu.Lock()
		if _, ok := p.workers[c.ID]; ok {
			p.mu.Unlock()
			continue
		}
		ctx, cancel := context.WithCancel(context.Background())
		w := &probeWorker{key: key, cancel: cancel,
			result: podsync.InitialProbes(storedStatus(pod, spec.Name), p.rt.Name()+"://"+string(c.ID))}
		p.workers[c.ID] = w
		p.mu.Unlock()
		t := target{rt: p.rt, id: c.ID, ip: ip, container: spec}
		go p.run(ctx, w, t, c.State.StartedAt)
	}
}

func storedStatus(pod *corev1.Pod, name string) *corev1.ContainerStatus {
	for i := range pod.Status.ContainerStatuses {
		if pod.Status.ContainerStatuses[i].Name == name {
			return &pod.Status.ContainerStatuses[i]
		}
	}
	return nil
}

// result is the current verdict for a container; false when not probed.
func (p *prober) result(id runtime.ContainerID) (podsync.ProbeResult, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w, ok := p.workers[id]
	if !ok {
		return podsync.ProbeResult{}, false
	}
	return w.result, true
}

func (p *prober) forget(id runtime.ContainerID) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if w, ok := p.workers[id]; ok {
		w.cancel()
		delete(p.workers, id)
	}
}

func (p *prober) stopAll() {
	p.mu.Lock()
	defer p.mu.Unlock()
	for id, w := range p.workers {
		w.cancel()
		delete(p.workers, id)
	}
}

// run probes startup first; once it has passed (or when there is none),
// liveness and readiness side by side.
func (p *prober) run(ctx context.Context, w *probeWorker, t target, startedAt time.Time) {
	c := t.container
	p.mu.Lock()
	started := w.result.Started
	p.mu.Unlock()
	if c.StartupProbe != nil && !started && !p.loop(ctx, w, t, podsync.Startup, c.StartupProbe, startedAt) {
		return
	}
	var wg sync.WaitGroup
	for kind, pr := range map[podsync.ProbeKind]*corev1.Probe{podsync.Liveness: c.LivenessProbe, podsync.Readiness: c.ReadinessProbe} {
		if pr == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.loop(ctx, w, t, kind, pr, startedAt)
		}()
	}
	wg.Wait()
}

// loop runs one probe every period from initialDelaySeconds after the
// container started, until ctx ends or a final verdict: a startup probe
// that passed (true) or failed, a liveness probe that failed.
func (p *prober) loop(ctx context.Context, w *probeWorker, t target, kind podsync.ProbeKind, pr *corev1.Probe, startedAt time.Time) bool {
	timing := podsync.TimingOf(kind, pr)
	timer := time.NewTimer(podsync.FirstProbeIn(timing, startedAt, p.now()))
	defer timer.Stop()
	var counter podsync.ProbeCounter
	for {
		select {
		case <-ctx.Done():
			return false
		case <-timer.C:
		}
		err := t.probe(ctx, pr, timing.Timeout)
		if ctx.Err() != nil {
			return false
		}
		var verdict podsync.Verdict
		counter, verdict = counter.Observe(err == nil, timing)
		p.mu.Lock()
		before := w.result
		w.result = w.result.With(kind, verdict)
		changed := before != w.result
		p.mu.Unlock()
		if err != nil {
			p.log.WithFields(logrus.Fields{"key": w.key, "container": t.container.Name, "probe": kind,
				"failures": counter.Failures}).WithError(err).Debug("probe failed")
		}
		if changed {
			p.log.WithFields(logrus.Fields{"key": w.key, "container": t.container.Name, "probe": kind,
				"verdict": verdict}).Info("probe verdict changed")
			p.changed(w.key)
		}
		switch {
		case kind == podsync.Startup && verdict == podsync.Passed:
			return true
		case kind != podsync.Readiness && verdict == podsync.Failed:
			return false // the container is stopped; a new attempt gets a new worker
		}
		timer.Reset(timing.Period)
	}
}
