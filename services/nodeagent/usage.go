package nodeagent

import (
	"context"
	"sort"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
)

// defaultUsageInterval is how often an agent reports usage: metrics-server's
// default resolution.
const defaultUsageInterval = 15 * time.Second

// usageSample is one cumulative reading and when it was taken.
type usageSample struct {
	at time.Time
	u  runtime.CumulativeUsage
}

// usageRate is the usage over the window between two readings of the same
// thing: CPU as the time used over the time passed, memory as last read.
// It reports false with no window (or a counter that went back: a
// restarted container under the same ID).
func usageRate(prev, cur usageSample) (events.Usage, bool) {
	window := cur.at.Sub(prev.at)
	if window <= 0 || cur.u.CPU < prev.u.CPU {
		return events.Usage{}, false
	}
	cores := float64(cur.u.CPU-prev.u.CPU) / float64(window)
	return events.Usage{NanoCores: uint64(cores * 1e9), MemoryBytes: cur.u.MemoryBytes}, true
}

// reportUsage publishes the node's and its running containers' usage every
// interval until ctx ends, each rate over the time since the last reading.
// A rate needs two readings, so a container seen for the first time (a
// look each second) is read at once and again a second later: a new pod
// shows in kubectl top within seconds rather than two intervals.
func (a *agent) reportUsage(ctx context.Context, ur runtime.UsageReader, interval time.Duration) {
	var host *usageSample
	containers := map[runtime.ContainerID]usageSample{}
	var last time.Time
	again := true // the first reading has nothing to compare with
	for {
		if again || time.Since(last) >= interval || a.newContainers(ctx, containers) {
			report, h, seen := a.readUsage(ctx, ur, host, containers)
			again = host == nil && h != nil
			for id := range seen {
				if _, ok := containers[id]; !ok {
					again = true
				}
			}
			host, containers, last = h, seen, time.Now()
			if report != nil {
				if err := a.cfg.Log.PublishUsage(a.cfg.NodeName, report); err != nil {
					a.log.WithError(err).Debug("usage not published")
				}
			}
		}
		select {
		case <-ctx.Done():
			return
		case <-time.After(min(time.Second, interval)):
		}
	}
}

// newContainers tells whether a running container has no reading yet.
func (a *agent) newContainers(ctx context.Context, read map[runtime.ContainerID]usageSample) bool {
	list, _ := a.cfg.Runtime.List(ctx)
	for _, c := range list {
		if _, ok := read[c.ID]; !ok && c.State.Phase == runtime.Running {
			return true
		}
	}
	return false
}

// readUsage takes one reading of the host and of every running container
// and returns the report of the rates since prevHost and prev (nil when
// nothing had a previous reading), with this reading to compare the next
// with.
func (a *agent) readUsage(ctx context.Context, ur runtime.UsageReader, prevHost *usageSample,
	prev map[runtime.ContainerID]usageSample) (*events.NodeUsage, *usageSample, map[runtime.ContainerID]usageSample) {
	now := a.cfg.Now()
	report := &events.NodeUsage{Time: now.UnixNano()}
	var host *usageSample
	if u, err := ur.HostUsage(); err == nil {
		host = &usageSample{at: now, u: u}
		if prevHost != nil {
			if rate, ok := usageRate(*prevHost, *host); ok {
				report.Node = &rate
				report.WindowSeconds = now.Sub(prevHost.at).Seconds()
			}
		}
	}
	seen := map[runtime.ContainerID]usageSample{}
	pods := map[string]*events.PodUsage{}
	list, _ := a.cfg.Runtime.List(ctx)
	for _, c := range list {
		if c.State.Phase != runtime.Running {
			continue
		}
		u, err := ur.ContainerUsage(ctx, c.ID)
		if err != nil {
			a.log.WithField("key", c.Spec.Namespace+"/"+c.Spec.PodName).WithError(err).Debug("container usage not read")
			continue
		}
		cur := usageSample{at: a.cfg.Now(), u: u}
		seen[c.ID] = cur
		p, ok := prev[c.ID]
		if !ok {
			continue
		}
		rate, ok := usageRate(p, cur)
		if !ok {
			continue
		}
		if report.WindowSeconds == 0 {
			report.WindowSeconds = cur.at.Sub(p.at).Seconds()
		}
		pod := pods[c.Spec.PodUID]
		if pod == nil {
			pod = &events.PodUsage{Namespace: c.Spec.Namespace, Name: c.Spec.PodName, UID: c.Spec.PodUID}
			pods[c.Spec.PodUID] = pod
		}
		pod.Containers = append(pod.Containers, events.ContainerUsage{Name: c.Spec.Name, Usage: rate})
	}
	for _, p := range pods {
		sort.Slice(p.Containers, func(i, j int) bool { return p.Containers[i].Name < p.Containers[j].Name })
		report.Pods = append(report.Pods, *p)
	}
	sort.Slice(report.Pods, func(i, j int) bool {
		return report.Pods[i].Namespace+"/"+report.Pods[i].Name < report.Pods[j].Namespace+"/"+report.Pods[j].Name
	})
	if report.Node == nil && len(report.Pods) == 0 {
		report = nil
	}
	return report, host, seen
}
