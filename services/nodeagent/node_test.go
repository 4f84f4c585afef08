package nodeagent

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	goruntime "runtime"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
)

func TestNodeCapacity(t *testing.T) {
	cases := []struct {
		name           string
		cfg            Config
		cpu, mem, pods string
	}{
		{"the machine's", Config{}, "4", "8Gi", "110"},
		{"overridden", Config{CPU: resource.MustParse("1500m"), Memory: resource.MustParse("512Mi"), MaxPods: 7}, "1500m", "512Mi", "7"},
		{"only pods", Config{MaxPods: 250}, "4", "8Gi", "250"},
	}
	for _, c := range cases {
		got := nodeCapacity(c.cfg, 4, 8<<30)
		want := corev1.ResourceList{corev1.ResourceCPU: resource.MustParse(c.cpu), corev1.ResourceMemory: resource.MustParse(c.mem),
			corev1.ResourcePods: resource.MustParse(c.pods)}
		for name, q := range want {
			if g := got[name]; g.Cmp(q) != 0 {
				t.Errorf("%s: %s = %s, want %s", c.name, name, g.String(), q.String())
			}
		}
	}
}

func TestMemTotal(t *testing.T) {
	cases := []struct {
		meminfo string
		want    int64
	}{
		{"MemTotal:       16318256 kB\nMemFree:         1234 kB", 16318256 * 1024},
		{"MemFree: 1 kB\nMemTotal: 2 kB", 2048},
		{"MemTotal:", 0},
		{"", 0},
	}
	for _, c := range cases {
		if got := memTotal(c.meminfo); got != c.want {
			t.Errorf("%q: %d, want %d", c.meminfo, got, c.want)
		}
	}
}

func TestSetCapacity(t *testing.T) {
	cases := []struct {
		cpu, mem string
		pods     int
		err      bool
		wantCPU  string
		wantMem  string
	}{
		{"", "", 0, false, "0", "0"},
		{"2", "4Gi", 20, false, "2", "4Gi"},
		{"250m", "", 110, false, "250m", "0"},
		{"lots", "", 0, true, "", ""},
		{"", "-1Gi", 0, true, "", ""},
		{"", "", -1, true, "", ""},
	}
	for _, c := range cases {
		var cfg Config
		err := cfg.SetCapacity(c.cpu, c.mem, c.pods)
		if c.err {
			if !errors.Is(err, ErrBadCapacity) {
				t.Errorf("%q %q %d: err %v, want ErrBadCapacity", c.cpu, c.mem, c.pods, err)
			}
			continue
		}
		if err != nil || cfg.CPU.Cmp(resource.MustParse(c.wantCPU)) != 0 || cfg.Memory.Cmp(resource.MustParse(c.wantMem)) != 0 || cfg.MaxPods != c.pods {
			t.Errorf("%q %q %d: %v %s %s %d", c.cpu, c.mem, c.pods, err, cfg.CPU.String(), cfg.Memory.String(), cfg.MaxPods)
		}
	}
}

// The Node the agent registers: capacity and allocatable from Config, the
// standard labels beside the flags' labels, and spec left to users.
func TestAgentRegistersNodeCapacityAndLabels(t *testing.T) {
	l := eventstest.Log(t)
	stop := startAgentOn(t, l, newRuntime(t), func(c *Config) {
		if err := c.SetCapacity("1500m", "2Gi", 7); err != nil {
			t.Fatal(err)
		}
	})
	eventstest.Eventually(t, 10*time.Second, func() error {
		ev, err := l.LastFor(context.Background(), "nodes", "", node)
		if err != nil || ev == nil {
			return fmt.Errorf("no node yet: %v", err)
		}
		var n corev1.Node
		if err := json.Unmarshal(ev.Data, &n); err != nil {
			return err
		}
		want := map[string]string{"tier": "test", "kubernetes.io/hostname": node, "kubernetes.io/os": goruntime.GOOS, "kubernetes.io/arch": goruntime.GOARCH}
		for k, v := range want {
			if n.Labels[k] != v {
				return fmt.Errorf("label %s = %q, want %q", k, n.Labels[k], v)
			}
		}
		for _, list := range []corev1.ResourceList{n.Status.Capacity, n.Status.Allocatable} {
			if list.Cpu().MilliValue() != 1500 || list.Memory().Value() != 2<<30 || list.Pods().Value() != 7 {
				return fmt.Errorf("resources %v", list)
			}
		}
		if n.Spec.Unschedulable || len(n.Spec.Taints) > 0 {
			return fmt.Errorf("spec %+v", n.Spec)
		}
		return nil
	})

	// A user cordons the node; the agent, back with other labels, rewrites
	// labels and status but leaves the spec as the user set it.
	stop()
	ctx := context.Background()
	ev, err := l.LastFor(ctx, "nodes", "", node)
	if err != nil {
		t.Fatal(err)
	}
	var n corev1.Node
	if err := json.Unmarshal(ev.Data, &n); err != nil {
		t.Fatal(err)
	}
	n.Spec.Unschedulable = true
	if _, err := l.Write(ctx, testOrigin, events.Write{Resource: events.MustLookup("nodes"), Change: events.Updated, Object: &n, Expected: ev.Seq}); err != nil {
		t.Fatal(err)
	}
	startAgentOn(t, l, newRuntime(t), func(c *Config) { c.Labels = map[string]string{"tier": "prod"} })
	eventstest.Eventually(t, 10*time.Second, func() error {
		ev, err := l.LastFor(ctx, "nodes", "", node)
		if err != nil {
			return err
		}
		var n corev1.Node
		if err := json.Unmarshal(ev.Data, &n); err != nil {
			return err
		}
		if n.Labels["tier"] != "prod" || !n.Spec.Unschedulable || n.Status.Capacity.Pods().Value() != DefaultMaxPods {
			return fmt.Errorf("node after the restart: labels %v unschedulable %v pods %s", n.Labels, n.Spec.Unschedulable, n.Status.Capacity.Pods())
		}
		return nil
	})
}
