package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/moby/moby/api/types/container"
	"github.com/moby/moby/client"
)

var (
	_ UsageReader = (*Process)(nil)
	_ UsageReader = (*Docker)(nil)
)

// ContainerUsage sums the container's process group.
func (p *Process) ContainerUsage(ctx context.Context, id ContainerID) (CumulativeUsage, error) {
	pr, err := p.get(id)
	if err != nil {
		return CumulativeUsage{}, err
	}
	p.mu.Lock()
	pid, running := pr.pid, pr.info.State.Phase == Running
	p.mu.Unlock()
	if !running {
		return CumulativeUsage{}, fmt.Errorf("usage of %s: not running", id)
	}
	return processGroupUsage("/proc", pid)
}

// HostUsage reads this host's /proc: the process runtime's node is it.
func (p *Process) HostUsage() (CumulativeUsage, error) { return hostUsage() }

// ContainerUsage is one sample of Docker's stats: the cgroup's CPU time and
// its working set (usage less inactive file pages, as cAdvisor counts it).
func (d *Docker) ContainerUsage(ctx context.Context, id ContainerID) (CumulativeUsage, error) {
	res, err := d.cli.ContainerStats(ctx, string(id), client.ContainerStatsOptions{})
	if err != nil {
		return CumulativeUsage{}, fmt.Errorf("usage of %s: %w", id, err)
	}
	defer res.Body.Close()
	var s container.StatsResponse
	if err := json.NewDecoder(res.Body).Decode(&s); err != nil {
		return CumulativeUsage{}, fmt.Errorf("usage of %s: %w", id, err)
	}
	mem := s.MemoryStats.Usage
	inactive := s.MemoryStats.Stats["inactive_file"] // cgroup v2
	if v, ok := s.MemoryStats.Stats["total_inactive_file"]; ok {
		inactive = v // cgroup v1
	}
	if inactive < mem {
		mem -= inactive
	}
	return CumulativeUsage{CPU: time.Duration(s.CPUStats.CPUUsage.TotalUsage), MemoryBytes: mem}, nil
}

// HostUsage reads this host's /proc: the engine is local (its socket).
func (d *Docker) HostUsage() (CumulativeUsage, error) { return hostUsage() }
