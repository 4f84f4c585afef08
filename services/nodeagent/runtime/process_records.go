package runtime

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
)

// processRecord is what the process runtime keeps on disk of each process
// it started (ProcessConfig.StateDir), so that the runtime of the agent
// that follows a crashed one finds every process group it left: it cannot
// adopt them (their output pipes and their exit status went with the
// crashed agent), so it kills them, and none outlives its pod.
type processRecord struct {
	PID       int    `json:"pid"`
	PGID      int    `json:"pgid"`
	StartTime uint64 `json:"startTime"` // /proc/<pid>/stat starttime: tells a reused pid
	Pod       string `json:"pod"`       // namespace/name, for what the successor says
	Container string `json:"container"`
}

// procStartTime reads a process's start time (clock ticks since boot),
// field 22 of /proc/<pid>/stat.
func procStartTime(pid int) (uint64, error) {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return 0, err
	}
	// The command name (field 2) is in parentheses and may hold spaces.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc/%d/stat: no command name", pid)
	}
	fields := strings.Fields(s[i+1:]) // field 3 onwards
	if len(fields) < 20 {
		return 0, fmt.Errorf("/proc/%d/stat: %d fields", pid, len(fields)+2)
	}
	return strconv.ParseUint(fields[19], 10, 64)
}

func (p *Process) recordPath(id ContainerID) string {
	return filepath.Join(p.cfg.StateDir, string(id)+".json")
}

// record writes the record of a started process (no StateDir: nothing).
func (p *Process) record(id ContainerID, spec ContainerSpec, pid int) error {
	if p.cfg.StateDir == "" {
		return nil
	}
	start, err := procStartTime(pid)
	if err != nil {
		return fmt.Errorf("record container %s: %w", id, err)
	}
	b, err := json.Marshal(processRecord{PID: pid, PGID: pid, StartTime: start,
		Pod: spec.Namespace + "/" + spec.PodName, Container: spec.Name})
	if err != nil {
		return err
	}
	tmp := p.recordPath(id) + ".tmp"
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		return fmt.Errorf("record container %s: %w", id, err)
	}
	return os.Rename(tmp, p.recordPath(id))
}

// forget removes the record of a process that has been reaped.
func (p *Process) forget(id ContainerID) {
	if p.cfg.StateDir != "" {
		_ = os.Remove(p.recordPath(id))
	}
}

// LeftBehind is a process group a previous runtime started and the new one
// killed.
type LeftBehind struct {
	Pod, Container string
	PID            int
}

// killLeftBehind kills the process group of every record in StateDir
// whose leader still runs (same pid, same start time), and removes every
// record: what a crashed agent started ends before its successor starts
// anything.
func (p *Process) killLeftBehind() ([]LeftBehind, error) {
	entries, err := os.ReadDir(p.cfg.StateDir)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("process records: %w", err)
	}
	var killed []LeftBehind
	for _, e := range entries {
		path := filepath.Join(p.cfg.StateDir, e.Name())
		if !strings.HasSuffix(e.Name(), ".json") {
			_ = os.Remove(path) // a record half written
			continue
		}
		b, err := os.ReadFile(path)
		var rec processRecord
		if err == nil && json.Unmarshal(b, &rec) == nil && rec.PID > 0 {
			if start, err := procStartTime(rec.PID); err == nil && start == rec.StartTime {
				_ = syscall.Kill(-rec.PGID, syscall.SIGKILL)
				killed = append(killed, LeftBehind{Pod: rec.Pod, Container: rec.Container, PID: rec.PID})
			}
		}
		// Gone already is fine: a runtime still alive in this process (the
		// tests' crashed one) reaps what was just killed and forgets it.
		if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
			return killed, fmt.Errorf("process records: %w", err)
		}
	}
	return killed, nil
}
