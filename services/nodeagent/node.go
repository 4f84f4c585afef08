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
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/equality"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// KubeletVersion is what the node reports as its kubelet.
const KubeletVersion = "v1.32.0-jetplane"

// LeaseKey is the node's heartbeat key in the leases bucket.
func LeaseKey(node string) string { return "node." + node }

// register creates or updates the Node, retrying on conflicts.
func (a *agent) register(ctx context.Context) error {
	for range 20 {
		err := a.syncNode(ctx)
		if !errors.Is(err, events.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("node %s: too many conflicts", a.cfg.NodeName)
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
	capacity := corev1.ResourceList{
		corev1.ResourceCPU:    *resource.NewQuantity(int64(goruntime.NumCPU()), resource.DecimalSI),
		corev1.ResourceMemory: *resource.NewQuantity(memTotal(), resource.BinarySI),
		corev1.ResourcePods:   *resource.NewQuantity(110, resource.DecimalSI),
	}
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
	n.Status.Addresses = []corev1.NodeAddress{{Type: corev1.NodeInternalIP, Address: HostIP}, {Type: corev1.NodeHostName, Address: a.cfg.NodeName}}
	n.Status.NodeInfo = corev1.NodeSystemInfo{
		MachineID:               readTrim("/etc/machine-id"),
		BootID:                  readTrim("/proc/sys/kernel/random/boot_id"),
		KernelVersion:           readTrim("/proc/sys/kernel/osrelease"),
		OSImage:                 osImage(),
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
		if _, err := a.cfg.Log.Leases().Put(ctx, LeaseKey(a.cfg.NodeName), []byte(a.cfg.Now().UTC().Format(time.RFC3339Nano))); err != nil && ctx.Err() == nil {
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

// memTotal reads MemTotal from /proc/meminfo, in bytes.
func memTotal() int64 {
	for _, line := range strings.Split(readTrim("/proc/meminfo"), "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(v)
			if n, err := strconv.ParseInt(f[0], 10, 64); err == nil {
				return n * 1024
			}
		}
	}
	return 0
}
