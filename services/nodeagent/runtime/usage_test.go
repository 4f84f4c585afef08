package runtime

import (
	"errors"
	"os/exec"
	"syscall"
	"testing"
	"time"
)

func TestParseProcStat(t *testing.T) {
	for _, tt := range []struct {
		name, stat string
		pgid       int
		cpu        time.Duration
		rss        uint64
		ok         bool
	}{
		{"plain", "42 (sleep) S 1 42 42 0 -1 4194560 100 0 0 0 250 50 0 0 20 0 1 0 100 2000000 300 18446744073709551615",
			42, 3 * time.Second, 300, true},
		{"name with spaces and parens", "7 (a) b (c)) R 1 9 9 0 -1 0 0 0 0 0 1 2 0 0 20 0 1 0 100 2000 5 0",
			9, 30 * time.Millisecond, 5, true},
		{"truncated", "7 (x) R 1 9", 0, 0, 0, false},
		{"no parenthesis", "garbage", 0, 0, 0, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pgid, cpu, rss, ok := parseProcStat(tt.stat)
			if pgid != tt.pgid || cpu != tt.cpu || rss != tt.rss || ok != tt.ok {
				t.Fatalf("got %d %v %d %v", pgid, cpu, rss, ok)
			}
		})
	}
}

func TestParseHostUsage(t *testing.T) {
	cpu, err := parseHostCPU("cpu  100 5 50 1000 20 1 2 3 7 0\ncpu0 1 2 3 4\n")
	if err != nil || cpu != 161*tick { // user nice system irq softirq steal; not idle, iowait
		t.Fatalf("cpu %v %v", cpu, err)
	}
	if _, err := parseHostCPU("intr 1 2\n"); err == nil {
		t.Fatal("no cpu line: want an error")
	}
	if got := parseMemInUse("MemTotal: 1000 kB\nMemFree: 10 kB\nMemAvailable: 400 kB\n"); got != 600*1024 {
		t.Fatalf("memory in use %d", got)
	}
}

// A real process group: a shell and the busy child it started are summed.
func TestProcessGroupUsage(t *testing.T) {
	cmd := exec.Command("sh", "-c", "while :; do :; done & wait")
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL); _ = cmd.Wait() })
	deadline := time.Now().Add(30 * time.Second)
	for {
		u, err := processGroupUsage("/proc", cmd.Process.Pid)
		if err != nil {
			t.Fatal(err)
		}
		if u.CPU > 0 && u.MemoryBytes > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("group usage stays %+v", u)
		}
		time.Sleep(50 * time.Millisecond) // polling: the child has to be scheduled
	}
	if _, err := processGroupUsage("/proc", 1<<30); !errors.Is(err, ErrNotFound) {
		t.Fatalf("a group that does not exist: %v", err)
	}
	if _, err := hostUsage(); err != nil {
		t.Fatal(err)
	}
}
