package runtime

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// UsageReader is implemented by a runtime that can say what its containers
// and its host use (kubectl top); the agent turns two readings into rates.
type UsageReader interface {
	// ContainerUsage is a running container's usage now.
	ContainerUsage(ctx context.Context, id ContainerID) (CumulativeUsage, error)
	// HostUsage is the host's.
	HostUsage() (CumulativeUsage, error)
}

// CumulativeUsage is one reading: the CPU time used since the start (of the
// container, or of the host) and the memory working set now.
type CumulativeUsage struct {
	CPU         time.Duration
	MemoryBytes uint64
}

// userHZ is the unit of /proc's CPU times (USER_HZ: 100 on Linux, whatever
// the kernel's own tick).
const userHZ = 100

// tick is one USER_HZ clock tick.
const tick = time.Second / userHZ

// hostUsage reads the host's CPU time (every non-idle state of /proc/stat's
// cpu line) and memory in use (MemTotal − MemAvailable, the working set as
// the kubelet reports a node's).
func hostUsage() (CumulativeUsage, error) {
	stat, err := os.ReadFile("/proc/stat")
	if err != nil {
		return CumulativeUsage{}, fmt.Errorf("host usage: %w", err)
	}
	meminfo, err := os.ReadFile("/proc/meminfo")
	if err != nil {
		return CumulativeUsage{}, fmt.Errorf("host usage: %w", err)
	}
	cpu, err := parseHostCPU(string(stat))
	if err != nil {
		return CumulativeUsage{}, err
	}
	return CumulativeUsage{CPU: cpu, MemoryBytes: parseMemInUse(string(meminfo))}, nil
}

// parseHostCPU reads /proc/stat's first line: user nice system idle iowait
// irq softirq steal (guest time is already in user and nice).
func parseHostCPU(stat string) (time.Duration, error) {
	line, _, _ := strings.Cut(stat, "\n")
	f := strings.Fields(line)
	if len(f) < 5 || f[0] != "cpu" {
		return 0, fmt.Errorf("host usage: /proc/stat: no cpu line")
	}
	var busy uint64
	for i, v := range f[1:] {
		if i >= 8 {
			break
		}
		n, err := strconv.ParseUint(v, 10, 64)
		if err != nil {
			return 0, fmt.Errorf("host usage: /proc/stat: %w", err)
		}
		if i != 3 && i != 4 { // idle, iowait
			busy += n
		}
	}
	return time.Duration(busy) * tick, nil
}

// parseMemInUse is MemTotal − MemAvailable from /proc/meminfo, in bytes.
func parseMemInUse(meminfo string) uint64 {
	var total, avail uint64
	for _, line := range strings.Split(meminfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if !ok {
			continue
		}
		f := strings.Fields(v)
		if len(f) == 0 {
			continue
		}
		n, err := strconv.ParseUint(f[0], 10, 64)
		if err != nil {
			continue
		}
		switch k {
		case "MemTotal":
			total = n * 1024
		case "MemAvailable":
			avail = n * 1024
		}
	}
	if avail > total {
		return 0
	}
	return total - avail
}

// processGroupUsage sums the CPU time and resident memory of every process
// in process group pgid (a process-runtime container and what it started).
func processGroupUsage(proc string, pgid int) (CumulativeUsage, error) {
	dirs, err := os.ReadDir(proc)
	if err != nil {
		return CumulativeUsage{}, fmt.Errorf("usage of group %d: %w", pgid, err)
	}
	var u CumulativeUsage
	found := false
	page := uint64(os.Getpagesize())
	for _, d := range dirs {
		if d.Name()[0] < '0' || d.Name()[0] > '9' {
			continue
		}
		stat, err := os.ReadFile(filepath.Join(proc, d.Name(), "stat"))
		if err != nil {
			continue // it ended meanwhile
		}
		group, cpu, rss, ok := parseProcStat(string(stat))
		if !ok || group != pgid {
			continue
		}
		found = true
		u.CPU += cpu
		u.MemoryBytes += rss * page
	}
	if !found {
		return CumulativeUsage{}, fmt.Errorf("usage of group %d: %w", pgid, ErrNotFound)
	}
	return u, nil
}

// parseProcStat reads a /proc/<pid>/stat line: its process group, CPU time
// (utime + stime) and resident pages. The command name, in parentheses, may
// hold spaces and parentheses: the fields start after the last ')'.
func parseProcStat(stat string) (pgid int, cpu time.Duration, rssPages uint64, ok bool) {
	i := strings.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, 0, 0, false
	}
	f := strings.Fields(stat[i+1:])
	// f[0] is field 3 (state): pgrp is field 5, utime 14, stime 15, rss 24.
	if len(f) < 22 {
		return 0, 0, 0, false
	}
	pg, err1 := strconv.Atoi(f[2])
	ut, err2 := strconv.ParseUint(f[11], 10, 64)
	st, err3 := strconv.ParseUint(f[12], 10, 64)
	rss, err4 := strconv.ParseInt(f[21], 10, 64)
	if err1 != nil || err2 != nil || err3 != nil || err4 != nil || rss < 0 {
		return 0, 0, 0, false
	}
	return pg, time.Duration(ut+st) * tick, uint64(rss), true
}
