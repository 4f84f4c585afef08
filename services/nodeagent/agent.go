package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/jetplane/jetplane/poddns"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	"github.com/jetplane/jetplane/services/controller"
	"github.com/jetplane/jetplane/services/nodeagent/podsync"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/types"
)

// Config of one node agent.
type Config struct {
	Log       *natslog.Log
	NodeName  string
	Runtime   runtime.Runtime   // the agent's container runtime (process for now)
	Labels    map[string]string // extra node labels
	Heartbeat time.Duration     // lease refresh period; default 10s
	// NodeStatusReport: how often an unchanged Node status is rewritten to
	// refresh lastHeartbeatTime in the log (default 5m, as the kubelet's
	// nodeStatusReportFrequency). Liveness itself is the lease.
	NodeStatusReport time.Duration
	Now              func() time.Time
	// CPU, Memory and MaxPods set the node's capacity (and allocatable);
	// zero means the machine's: runtime.NumCPU, MemTotal of /proc/meminfo,
	// and 110 pods as the kubelet's default.
	CPU     resource.Quantity
	Memory  resource.Quantity
	MaxPods int
	// KeepContainers leaves the containers running when the agent ends, as
	// the kubelet does, for a runtime whose containers outlive the agent
	// (a restarted agent adopts them). Otherwise they are stopped: the
	// process runtime's containers cannot outlive the agent's OS process.
	KeepContainers bool
	// ClusterDNS and ClusterDomain are the kubelet's --cluster-dns and
	// --cluster-domain: what a ClusterFirst pod's resolv.conf names (none:
	// pods keep the node's resolver).
	ClusterDNS    []string
	ClusterDomain string
	// PodsDir is where the agent keeps its pods' files (volumes), one
	// directory per pod UID, as the kubelet's --root-dir/pods; empty:
	// <temp dir>/jetplane/nodes/<node>/pods.
	PodsDir string
	// UsageInterval is how often the agent reports what the node and its
	// containers use (kubectl top), when its runtime can tell: default
	// 15s; negative, never.
	UsageInterval time.Duration
	// NodeIP is the node's InternalIP and its pods' hostIP (the kubelet's
	// --node-ip); default HostIP.
	NodeIP string
}

// NewProcessRuntime is the process runtime over an images directory
// (<imagesDir>/<repo>/<name>/<tag>/entrypoint). Run connects its output to
// the LOGS stream. With a stateDir it records what it starts there, and
// first kills what a crashed predecessor on it left running.
func NewProcessRuntime(imagesDir, stateDir string) (runtime.Runtime, error) {
	rt, err := runtime.NewProcess(runtime.ProcessConfig{ImagesDir: imagesDir, StateDir: stateDir})
	if err != nil {
		return nil, err
	}
	for _, left := range rt.LeftBehind() {
		logrus.WithFields(logrus.Fields{"service": "nodeagent", "key": left.Pod, "container": left.Container, "pid": left.PID}).
			Warn("killed a container a crashed agent left running")
	}
	return rt, nil
}

// HostIP is a node's default address: pods' loopback addresses are reached
// from it.
const HostIP = "127.0.0.1"

const pods = "pods"

type agent struct {
	cfg     Config
	log     *logrus.Entry
	proj    *projections.Projection
	writer  *controller.Writer
	queue   *controller.Queue
	probes  *prober
	machine *machine // the host's facts the Node reports, read once
	ips     *podIPs  // addresses held by live pods of any node
	idle    idlePods // pods whose last decision was to do nothing

	mu       sync.Mutex
	failures map[string]podsync.StartFailure // by memoryKey
	backoffs map[string]podsync.Backoff      // by memoryKey
	kills    map[runtime.ContainerID]string  // probe kill messages
	stopping map[runtime.ContainerID]bool
	stops    sync.WaitGroup
	// volumesAt: when each pod's volumes were last written (volumes.go).
	volumesAt map[types.UID]time.Time
	// tokens: the ServiceAccount tokens of pods' projections (tokens.go).
	tokens map[tokenKey]natslog.Token
}

// Run registers the node and runs its pods until ctx ends; then it stops
// every container the runtime holds, unless KeepContainers (the pods'
// records stay: a restarted agent adopts their containers, or starts them
// again). It is a fleet of one agent with a projection of its own.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Log == nil || cfg.NodeName == "" || cfg.Runtime == nil {
		return errors.New("nodeagent: Log, NodeName and Runtime are required")
	}
	return runFleet(ctx, cfg.Log, "nodeagent/"+cfg.NodeName, []Config{cfg})
}

// newAgent makes the agent of cfg (Log set, defaults not yet) over the
// fleet's projection.
func newAgent(cfg Config, f *fleet) *agent {
	if cfg.Heartbeat <= 0 {
		cfg.Heartbeat = 10 * time.Second
	}
	if cfg.NodeStatusReport <= 0 {
		cfg.NodeStatusReport = 5 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.NodeIP == "" {
		cfg.NodeIP = HostIP
	}
	if cfg.PodsDir == "" {
		cfg.PodsDir = filepath.Join(os.TempDir(), "jetplane", "nodes", cfg.NodeName, "pods")
	}
	a := &agent{
		cfg:       cfg,
		log:       logrus.WithFields(logrus.Fields{"service": "nodeagent", "node": cfg.NodeName}),
		proj:      f.proj,
		queue:     controller.NewQueue(),
		machine:   f.machine,
		ips:       f.ips,
		failures:  map[string]podsync.StartFailure{},
		backoffs:  map[string]podsync.Backoff{},
		kills:     map[runtime.ContainerID]string{},
		stopping:  map[runtime.ContainerID]bool{},
		volumesAt: map[types.UID]time.Time{},
		tokens:    map[tokenKey]natslog.Token{},
		idle:      idlePods{inputs: map[string]podsync.Input{}},
	}
	a.writer = &controller.Writer{Log: cfg.Log.Reporter(cfg.NodeName), Projection: f.proj, Origin: events.Origin{
		Source: "jetplane/nodeagent/" + cfg.NodeName, Actor: "system:node:" + cfg.NodeName}}
	a.probes = newProber(cfg.Runtime, a.queue.Add, cfg.Now, a.log)
	return a
}

// run registers the node, holding a slot of registering (which bounds how
// many agents of a fleet register at once), and runs its pods until ctx
// ends. The projection has caught up; the caller shuts the agent down after.
func (a *agent) run(ctx context.Context, registering chan struct{}) error {
	var err error
	select {
	case registering <- struct{}{}:
		err = a.register(ctx)
		<-registering
	case <-ctx.Done():
		err = ctx.Err()
	}
	if err != nil && ctx.Err() != nil {
		return nil // stopped while registering (the node may be in the log, its reply not back yet)
	}
	if err != nil {
		return fmt.Errorf("nodeagent %s: register node: %w", a.cfg.NodeName, err)
	}
	go a.heartbeat(ctx)
	go a.serveSessions(ctx)
	if ur, ok := a.cfg.Runtime.(runtime.UsageReader); ok && a.cfg.UsageInterval >= 0 {
		interval := a.cfg.UsageInterval
		if interval == 0 {
			interval = defaultUsageInterval
		}
		go a.reportUsage(ctx, ur, interval)
	}
	for _, k := range a.keys() {
		a.queue.Add(k)
	}
	a.log.Info("node agent running")
	loop := &controller.Loop{Name: "nodeagent/" + a.cfg.NodeName, Service: "nodeagent", Queue: a.queue, Workers: 2, Reconcile: a.reconcile,
		Resync: time.Second, Keys: a.keys}
	return loop.Run(ctx)
}

func (a *agent) bound(e *projections.Entry) bool { return nodeOf(e) == a.cfg.NodeName }

// nodeOf is the node a live pod is bound to, else "".
func nodeOf(e *projections.Entry) string {
	if e == nil || e.Object == nil {
		return ""
	}
	if p, ok := e.Object.(*corev1.Pod); ok {
		return p.Spec.NodeName
	}
	return ""
}

// keys are the node's pods and the pods the runtime still holds containers of.
func (a *agent) keys() []string {
	var keys []string
	seen := map[string]bool{}
	for _, e := range a.proj.State().PodsOnNode(a.cfg.NodeName) {
		seen[e.Key()] = true
		keys = append(keys, e.Key())
	}
	list, _ := a.cfg.Runtime.List(context.Background())
	for _, c := range list {
		if k := projections.Key(c.Spec.Namespace, c.Spec.PodName); !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	return keys
}

// shutdown stops every container the runtime holds for this agent, or
// leaves them to the next agent when KeepContainers.
func (a *agent) shutdown() {
	a.stops.Wait()
	if a.cfg.KeepContainers {
		a.probes.stopAll()
		a.log.Info("node agent stopped; containers left running")
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	list, _ := a.cfg.Runtime.List(ctx)
	var wg sync.WaitGroup
	for _, c := range list {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if c.State.Phase == runtime.Running {
				if err := a.cfg.Runtime.Stop(ctx, c.ID, 10*time.Second); err != nil {
					a.log.WithField("key", c.Spec.Namespace+"/"+c.Spec.PodName).WithError(err).Warn("stop at shutdown")
				}
			}
			_ = a.cfg.Runtime.Remove(ctx, c.ID)
			a.cfg.Runtime.ReleaseIP(c.Spec.PodUID)
		}()
	}
	wg.Wait()
	a.probes.stopAll()
	a.log.WithField("containers", len(list)).Info("node agent stopped")
}

func splitKey(key string) (ns, name string) {
	if i := strings.IndexByte(key, '/'); i >= 0 {
		return key[:i], key[i+1:]
	}
	return "", key
}

// reconcile brings one pod's containers and status to what podsync decides.
func (a *agent) reconcile(ctx context.Context, key string) (time.Duration, error) {
	ns, name := splitKey(key)
	log := a.log.WithField("key", key)
	var entry *projections.Entry
	var pod *corev1.Pod
	if e := a.proj.State().Live(pods, ns, name); a.bound(e) {
		entry, pod = e, e.Object.(*corev1.Pod)
	}
	infos, mine, err := a.claim(ctx, pod, ns, name)
	if err != nil {
		return 0, err
	}
	if pod == nil {
		a.idle.forget(key)
		return 0, nil
	}
	ip, err := podIP(ctx, a.cfg.Runtime, pod, poddns.Cluster{Servers: a.cfg.ClusterDNS, Domain: a.cfg.ClusterDomain}, a.ipInUse(pod.UID))
	if err != nil {
		return 0, err
	}
	// Probe workers first: an adopted container starts from the log's verdicts.
	a.probes.sync(key, ip, pod, infos)
	a.refreshVolumes(ctx, pod, ip)
	in := a.input(pod, ip, mine)
	if a.idle.same(key, in) {
		return 0, nil // nothing changed since a decision to do nothing
	}
	var d podsync.Decision
	for round := 0; ; round++ {
		d = podsync.Decide(in)
		a.remember(pod.UID, d)
		if !d.Acts() || round == 2 {
			break
		}
		a.act(ctx, key, pod, ip, d)
		if infos, mine, err = a.claim(ctx, pod, ns, name); err != nil {
			return 0, err
		}
		in = a.input(pod, ip, mine)
	}
	a.idle.note(key, in, d)
	a.probes.sync(key, ip, pod, infos)
	if d.Delete {
		obj := pod.DeepCopy()
		obj.Status = *d.Status
		if err := a.writer.Apply(ctx, events.Write{Resource: events.MustLookup(pods), Change: events.Deleted,
			Object: obj, Expected: entry.Seq}); err != nil {
			return 0, err
		}
		for _, c := range infos {
			a.discard(ctx, key, c)
		}
		a.forgetPod(string(pod.UID))
		log.WithField("seq", obj.ResourceVersion).Info("pod deleted")
		return 0, nil
	}
	if d.Status != nil {
		obj := pod.DeepCopy()
		obj.Status = *d.Status
		if err := a.writer.Apply(ctx, events.Write{Resource: events.MustLookup(pods), Change: d.Change,
			Object: obj, Expected: entry.Seq}); err != nil {
			return 0, err
		}
		log.WithFields(logrus.Fields{"seq": obj.ResourceVersion, "change": d.Change, "phase": obj.Status.Phase}).Debug("pod status")
	}
	if d.Acts() {
		return 100 * time.Millisecond, nil // an action failed to settle: look again soon
	}
	return d.Requeue, nil
}

// claim lists the runtime's containers of the pod name, keeps the pod's
// (podsync.Claim) and stops and removes the others: containers of a pod
// deleted, bound elsewhere, or replaced by a new pod of the same name.
func (a *agent) claim(ctx context.Context, pod *corev1.Pod, ns, name string) ([]runtime.ContainerInfo, []podsync.Container, error) {
	all, err := a.podContainers(ctx, ns, name)
	if err != nil {
		return nil, nil, err
	}
	mine, orphans := podsync.Claim(pod, a.cfg.NodeName, a.views(all))
	byID := map[string]runtime.ContainerInfo{}
	for _, c := range all {
		byID[string(c.ID)] = c
	}
	for _, o := range orphans {
		a.discard(ctx, projections.Key(ns, name), byID[o.ID])
	}
	infos := make([]runtime.ContainerInfo, 0, len(mine))
	for _, m := range mine {
		infos = append(infos, byID[m.ID])
	}
	return infos, mine, nil
}

func (a *agent) podContainers(ctx context.Context, ns, name string) ([]runtime.ContainerInfo, error) {
	if l, ok := a.cfg.Runtime.(runtime.PodLister); ok {
		list, err := l.ListPod(ctx, ns, name)
		if err != nil {
			return nil, fmt.Errorf("list containers: %w", err)
		}
		return list, nil
	}
	list, err := a.cfg.Runtime.List(ctx)
	if err != nil {
		return nil, fmt.Errorf("list containers: %w", err)
	}
	out := list[:0]
	for _, c := range list {
		if c.Spec.Namespace == ns && c.Spec.PodName == name {
			out = append(out, c)
		}
	}
	return out, nil
}

// discard stops a container no pod wants any more, then removes it.
func (a *agent) discard(ctx context.Context, key string, c runtime.ContainerInfo) {
	if c.State.Phase == runtime.Running {
		a.stopAsync(key, c.ID, podsync.MinGrace, nil)
		return
	}
	a.removeContainer(ctx, c.ID)
	if rest, _ := a.podContainersOfUID(ctx, c.Spec.PodUID); rest == 0 {
		a.forgetPod(c.Spec.PodUID)
	}
}

func (a *agent) podContainersOfUID(ctx context.Context, uid string) (int, error) {
	list, err := a.cfg.Runtime.List(ctx)
	n := 0
	for _, c := range list {
		if c.Spec.PodUID == uid {
			n++
		}
	}
	return n, err
}

func (a *agent) forgetPod(uid string) {
	a.cfg.Runtime.ReleaseIP(uid)
	a.tearDownVolumes(types.UID(uid))
	a.mu.Lock()
	defer a.mu.Unlock()
	for k := range a.failures {
		if strings.HasPrefix(k, uid+"/") {
			delete(a.failures, k)
		}
	}
	for k := range a.backoffs {
		if strings.HasPrefix(k, uid+"/") {
			delete(a.backoffs, k)
		}
	}
}

// ipInUse reports addresses held by other live pods of any node.
func (a *agent) ipInUse(self types.UID) func(string) bool {
	return func(ip string) bool { return a.ips.heldByOther(ip, self) }
}
