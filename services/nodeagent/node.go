package nodeagent

import (
	"context"
	"errors"
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/services/controller"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KubeletVersion is what the node reports as its kubelet.
const KubeletVersion = "v1.32.0-jetplane"

// LeaseKey is the node's heartbeat key in the leases bucket.
func LeaseKey(node string) string { return events.NodeLeaseKey(node) }

// registerRetry: a conflict means the projection has moved on; try again
// at once, 20 times at most.
var registerRetry = controller.Backoff{Attempts: 20}

// awaitControlPlane: an agent started before the control plane (or while
// it restarts) reports again until one answers.
var awaitControlPlane = controller.Backoff{Base: 100 * time.Millisecond, Max: 2 * time.Second}

// register creates or updates the Node, retrying on conflicts, and for as
// long as no control plane answers.
func (a *agent) register(ctx context.Context) error {
	conflict := func(err error) bool { return errors.Is(err, events.ErrConflict) }
	unavailable := func(err error) bool { return errors.Is(err, events.ErrUnavailable) }
	sync := func(ctx context.Context) error {
		return awaitControlPlane.Retry(ctx, unavailable, a.syncNode)
	}
	if err := registerRetry.Retry(ctx, conflict, sync); err != nil {
		if conflict(err) {
			return fmt.Errorf("node %s: too many conflicts", a.cfg.NodeName)
		}
		return err
	}
	return nil
}

// syncNode writes the Node when it differs from what the agent reports, or
// when its heartbeat in the log is older than NodeStatusReport.
func (a *agent) syncNode(ctx context.Context) error {
	st := a.proj.State()
	now := a.cfg.Now().UTC().Truncate(time.Second)
	res := events.MustLookup("nodes")
	var expected uint64
	if e := st.Get("nodes", "", a.cfg.NodeName); e != nil {
		expected = e.Seq // a tombstone too: re-creating expects its sequence
	}
	var node *corev1.Node
	change := events.Created
	if e := st.Live("nodes", "", a.cfg.NodeName); e != nil {
		node = e.Object.(*corev1.Node).DeepCopy()
		change = events.StatusChange
	} else {
		node = &corev1.Node{ObjectMeta: metav1.ObjectMeta{Name: a.cfg.NodeName}}
		events.PrepareCreate(node, now)
	}
	want := node.DeepCopy()
	a.desiredNode(want, now)
	if change != events.Created {
		if !equality.Semantic.DeepEqual(node.Labels, want.Labels) {
			change = events.Updated
		}
		hb := readyHeartbeat(node)
		stale := hb.IsZero() || now.Sub(hb) >= a.cfg.NodeStatusReport
		if !stale && sameNode(node, want) {
			return nil
		}
	}
	if err := a.writer.Apply(ctx, events.Write{Resource: res, Change: change, Object: want, Expected: expected}); err != nil {
		return err
	}
	a.log.WithFields(map[string]any{"seq": want.ResourceVersion, "change": change}).Info("node reported")
	return nil
}

func readyHeartbeat(n *corev1.Node) time.Time {
	for _, c := range n.Status.Conditions {
		if c.Type == corev1.NodeReady {
			return c.LastHeartbeatTime.Time
		}
	}
	return time.Time{}
}

// sameNode compares what the agent owns, heartbeats aside.
func sameNode(a, b *corev1.Node) bool {
	strip := func(n *corev1.Node) *corev1.Node {
		n = n.DeepCopy()
		for i := range n.Status.Conditions {
			n.Status.Conditions[i].LastHeartbeatTime = metav1.Time{}
		}
		return n
	}
	x, y := strip(a), strip(b)
	return equality.Semantic.DeepEqual(x.Labels, y.Labels) && equality.Semantic.DeepEqual(x.Status, y.Status)
}

// desiredNode sets labels and status as this agent reports them; spec
// (taints, unschedulable) and other labels are left as others wrote them.
func (a *agent) desiredNode(n *corev1.Node, now time.Time) {
	if n.Labels == nil {
		n.Labels = map[string]string{}
	}
	for k, v := range a.cfg.Labels {
		n.Labels[k] = v
	}
	n.Labels["kubernetes.io/hostname"] = a.cfg.NodeName
	n.Labels["kubernetes.io/os"] = goruntime.GOOS
	n.Labels["kubernetes.io/arch"] = goruntime.GOARCH
	m := a.machine
	capacity := nodeCapacity(a.cfg, m.cpus, m.memBytes)
	n.Status.Capacity = capacity
	n.Status.Allocatable = capacity.DeepCopy()
	hb := metav1.NewTime(now)
	conds := []corev1.NodeCondition{
		{Type: corev1.NodeMemoryPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientMemory", Message: "jetplane agent has sufficient memory available"},
		{Type: corev1.NodeDiskPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasNoDiskPressure", Message: "jetplane agent has no disk pressure"},
		{Type: corev1.NodePIDPressure, Status: corev1.ConditionFalse, Reason: "KubeletHasSufficientPID", Message: "jetplane agent has sufficient PID available"},
		{Type: corev1.NodeReady, Status: corev1.ConditionTrue, Reason: "KubeletReady", Message: "jetplane agent is posting ready status"},
	}
	for i := range conds {
		conds[i].LastHeartbeatTime = hb
		conds[i].LastTransitionTime = hb
		for _, old := range n.Status.Conditions {
			if old.Type == conds[i].Type && old.Status == conds[i].Status && !old.LastTransitionTime.IsZero() {
				conds[i].LastTransitionTime = old.LastTransitionTime
			}
		}
	}
	n.Status.Conditions = conds
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: a.cfg.NodeIP}, {Type: corev1.NodeHostName, Address: a.cfg.NodeName}}
	n.Status.NodeInfo = corev1.NodeSystemInfo{
		MachineID:               m.machineID,
		BootID:                  m.bootID,
		KernelVersion:           m.kernel,
		OSImage:                 m.osImage,
		ContainerRuntimeVersion: a.cfg.Runtime.Name() + "://" + a.cfg.Runtime.Version(),
		KubeletVersion:          KubeletVersion,
		OperatingSystem:         goruntime.GOOS,
		Architecture:            goruntime.GOARCH,
	}
	n.Status.Phase = ""
}

// heartbeat refreshes the lease every Heartbeat and rewrites the Node only
// when syncNode finds it changed or stale.
func (a *agent) heartbeat(ctx context.Context) {
	t := time.NewTicker(a.cfg.Heartbeat)
	defer t.Stop()
	for {
		if err := a.cfg.Log.Reporter(a.cfg.NodeName).Heartbeat(ctx, a.cfg.Now()); err != nil && ctx.Err() == nil {
			a.log.WithError(err).Warn("heartbeat")
		}
		if err := a.syncNode(ctx); err != nil && ctx.Err() == nil {
			a.log.WithError(err).Warn("node status")
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// machine is what a Node reports of the host. The agents read it once when
// they start, as the kubelet reads its machine info, not at each heartbeat
// (a fleet of agents shares it).
type machine struct {
	cpus                               int
	memBytes                           int64
	machineID, bootID, kernel, osImage string
}

func readMachine() *machine {
	return &machine{cpus: goruntime.NumCPU(), memBytes: memTotal(readTrim("/proc/meminfo")),
		machineID: readTrim("/etc/machine-id"), bootID: readTrim("/proc/sys/kernel/random/boot_id"),
		kernel: readTrim("/proc/sys/kernel/osrelease"), osImage: osImage()}
}

func readTrim(path string) string {
	b, err := os.ReadFile(path)
	if err != nil {
		return ""
	}
	return strings.TrimSpace(string(b))
}

func osImage() string {
	for _, line := range strings.Split(readTrim("/etc/os-release"), "\n") {
		if v, ok := strings.CutPrefix(line, "PRETTY_NAME="); ok {
			if u, err := strconv.Unquote(v); err == nil {
				return u
			}
			return strings.Trim(v, `"`)
		}
	}
	return goruntime.GOOS
}

// DefaultMaxPods is the kubelet's default --max-pods.
const DefaultMaxPods = 110

// nodeCapacity is what the node offers: the Config's values where set,
// else the machine's. Allocatable equals it (nothing is reserved).
func nodeCapacity(cfg Config, cpus int, memBytes int64) corev1.ResourceList {
	cpu := *resource.NewQuantity(int64(cpus), resource.DecimalSI)
	if !cfg.CPU.IsZero() {
		cpu = cfg.CPU.DeepCopy()
	}
	mem := *resource.NewQuantity(memBytes, resource.BinarySI)
	if !cfg.Memory.IsZero() {
		mem = cfg.Memory.DeepCopy()
	}
	pods := DefaultMaxPods
	if cfg.MaxPods > 0 {
		pods = cfg.MaxPods
	}
	return corev1.ResourceList{
		corev1.ResourceCPU:    cpu,
		corev1.ResourceMemory: mem,
		corev1.ResourcePods:   *resource.NewQuantity(int64(pods), resource.DecimalSI),
	}
}

// memTotal reads MemTotal from the text of /proc/meminfo, in bytes.
func memTotal(meminfo string) int64 {
	for _, line := range strings.Split(meminfo, "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(v)
			if len(f) == 0 {
				return 0
			}
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				return n * 1024
			}
		}
	}
	return 0
}

// SetCapacity sets CPU, Memory and MaxPods from their text (flags): empty
// or 0 leaves the machine's value.
func (c *Config) SetCapacity(cpu, memory string, maxPods int) error {
	for _, f := range []struct {
		name, text string
		into       *resource.Quantity
	}{{"cpu", cpu, &c.CPU}, {"memory", memory, &c.Memory}} {
		if f.text == "" {
			continue
		}
		q, err := resource.ParseQuantity(f.text)
		if err != nil {
			return fmt.Errorf("node %s capacity %q: %w: %v", f.name, f.text, ErrBadCapacity, err)
		}
		if q.Sign() < 0 {
			return fmt.Errorf("node %s capacity %q: %w: negative", f.name, f.text, ErrBadCapacity)
		}
		*f.into = q
	}
	if maxPods < 0 {
		return fmt.Errorf("node max pods %d: %w", maxPods, ErrBadCapacity)
	}
	c.MaxPods = maxPods
	return nil
}

// ErrBadCapacity: a capacity flag that is not a non-negative quantity.
var ErrBadCapacity = errors.New("invalid node capacity")
