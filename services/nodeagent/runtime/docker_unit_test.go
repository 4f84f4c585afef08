package runtime

import (
	"bytes"
	"debug/elf"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	goruntime "runtime"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/moby/moby/api/types/container"
)

func TestPauseELF(t *testing.T) {
	for arch, want := range map[string]elf.Machine{"amd64": elf.EM_X86_64, "arm64": elf.EM_AARCH64} {
		exe, err := pauseELF(arch)
		if err != nil {
			t.Fatal(err)
		}
		f, err := elf.NewFile(bytes.NewReader(exe))
		if err != nil {
			t.Fatalf("%s: %v", arch, err)
		}
		if f.Machine != want || f.Type != elf.ET_EXEC || len(f.Progs) != 1 || f.Progs[0].Type != elf.PT_LOAD ||
			f.Entry != f.Progs[0].Vaddr+uint64(len(exe)-len(pauseLoops[arch].code)) || f.Progs[0].Filesz != uint64(len(exe)) {
			t.Fatalf("%s: %+v %+v", arch, f.FileHeader, f.Progs[0].ProgHeader)
		}
	}
	if _, err := pauseELF("mips"); err == nil {
		t.Fatal("no error for an unknown architecture")
	}
	if _, ok := pauseLoops[goruntime.GOARCH]; !ok || goruntime.GOOS != "linux" {
		return // the engine's machine may differ from this one: nothing to run here
	}
	// It runs here too: blocked in a system call until killed.
	exe, _ := pauseELF(goruntime.GOARCH)
	path := filepath.Join(t.TempDir(), "pause")
	if err := os.WriteFile(path, exe, 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(path)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 10*time.Second, func() error {
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", cmd.Process.Pid))
		if err != nil {
			return err
		}
		// pid (comm) state ...: S is an interruptible sleep.
		if f := strings.Fields(string(stat[bytes.LastIndexByte(stat, ')')+1:])); len(f) == 0 || f[0] != "S" {
			return fmt.Errorf("state %q", stat)
		}
		return nil
	})
	_ = cmd.Process.Signal(syscall.SIGKILL)
	var exitErr *exec.ExitError
	if err := cmd.Wait(); !errors.As(err, &exitErr) || exitErr.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("pause ended with %v", err)
	}
}

func TestLineWriter(t *testing.T) {
	cases := []struct {
		name   string
		writes []string
		want   []string
	}{
		{"one line", []string{"a\n"}, []string{"a"}},
		{"lines across writes", []string{"ab", "c\nd", "e\n"}, []string{"abc", "de"}},
		{"several lines in one write", []string{"a\nb\n\nc\n"}, []string{"a", "b", "", "c"}},
		{"crlf", []string{"a\r\nb\r\n"}, []string{"a", "b"}},
		{"last line without newline", []string{"a\nb"}, []string{"a", "b"}},
		{"long line in pieces", []string{strings.Repeat("x", maxLogLine+3) + "\n"},
			[]string{strings.Repeat("x", maxLogLine), "xxx"}},
	}
	for _, c := range cases {
		var got []string
		w := &lineWriter{emit: func(s string) { got = append(got, s) }}
		for _, s := range c.writes {
			if n, err := w.Write([]byte(s)); n != len(s) || err != nil {
				t.Fatalf("%s: write %d %v", c.name, n, err)
			}
		}
		w.flush()
		if len(got) != len(c.want) || strings.Join(got, "|") != strings.Join(c.want, "|") {
			t.Errorf("%s: %d lines %.40q, want %d %.40q", c.name, len(got), got, len(c.want), c.want)
		}
	}
}

func TestInfoOf(t *testing.T) {
	spec := ContainerSpec{PodUID: "u", Namespace: "ns", PodName: "p", Name: "c", Image: "jetplane/hello:1", Attempt: 3,
		Env: []EnvVar{{"A", "1"}}, PodIP: "172.17.0.9", MemoryBytes: 1 << 20}
	labels, err := containerLabels("node-a", spec)
	if err != nil {
		t.Fatal(err)
	}
	started, finished := "2026-01-02T03:04:05.123456789Z", "2026-01-02T03:05:00Z"
	cases := []struct {
		name  string
		state *container.State
		want  ContainerState
	}{
		{"running", &container.State{Status: container.StateRunning, Running: true, StartedAt: started, FinishedAt: "0001-01-01T00:00:00Z"},
			ContainerState{Phase: Running, StartedAt: engineTime(started)}},
		{"completed", &container.State{Status: container.StateExited, StartedAt: started, FinishedAt: finished},
			ContainerState{Phase: Exited, StartedAt: engineTime(started), FinishedAt: engineTime(finished), Reason: "Completed"}},
		{"error", &container.State{Status: container.StateExited, ExitCode: 3, StartedAt: started, FinishedAt: finished},
			ContainerState{Phase: Exited, StartedAt: engineTime(started), FinishedAt: engineTime(finished), ExitCode: 3, Reason: "Error"}},
		{"killed", &container.State{Status: container.StateExited, ExitCode: 137, StartedAt: started, FinishedAt: finished},
			ContainerState{Phase: Exited, StartedAt: engineTime(started), FinishedAt: engineTime(finished), ExitCode: 137, Reason: "Error"}},
		{"oom killed", &container.State{Status: container.StateExited, ExitCode: 137, OOMKilled: true, StartedAt: started, FinishedAt: finished},
			ContainerState{Phase: Exited, StartedAt: engineTime(started), FinishedAt: engineTime(finished), ExitCode: 137, Reason: "OOMKilled"}},
		{"dead with an engine error", &container.State{Status: container.StateDead, ExitCode: 128, Error: "boom", StartedAt: started, FinishedAt: finished},
			ContainerState{Phase: Exited, StartedAt: engineTime(started), FinishedAt: engineTime(finished), ExitCode: 128, Reason: "Error", Message: "boom"}},
		{"created", &container.State{Status: container.StateCreated, StartedAt: "0001-01-01T00:00:00Z"},
			ContainerState{Phase: Waiting, Reason: "ContainerCreating"}},
		{"paused is running", &container.State{Status: container.StatePaused, StartedAt: started},
			ContainerState{Phase: Running, StartedAt: engineTime(started)}},
	}
	for _, c := range cases {
		got := infoOf(container.InspectResponse{ID: "abc", Image: "sha256:1", State: c.state, Config: &container.Config{Labels: labels}})
		if got.ID != "abc" || got.ImageID != "sha256:1" || fmt.Sprintf("%+v", got.Spec) != fmt.Sprintf("%+v", spec) {
			t.Errorf("%s: info %+v", c.name, got)
		}
		if got.State != c.want {
			t.Errorf("%s: state %+v, want %+v", c.name, got.State, c.want)
		}
	}
	if engineTime(started).Nanosecond() != 123456789 {
		t.Fatalf("time %v", engineTime(started))
	}
	// Without the JSON spec, the single labels still say whose it is.
	delete(labels, LabelSpec)
	if got := specFromLabels(labels); got.PodUID != "u" || got.Namespace != "ns" || got.PodName != "p" || got.Name != "c" || got.Attempt != 3 {
		t.Fatalf("spec from labels: %+v", got)
	}
}

func TestDockerNames(t *testing.T) {
	if got := containerName(ContainerSpec{Name: "web", PodName: "hello-1", Namespace: "default", PodUID: "u-1", Attempt: 4}); got != "k8s_web_hello-1_default_u-1_4" {
		t.Fatalf("container name %q", got)
	}
	long := strings.Repeat("a", 62) + "-b"
	for name, want := range map[string]string{"hello": "hello", long: strings.Repeat("a", 62), "": ""} {
		if got := podHostname(name); got != want {
			t.Errorf("host name of %q: %q, want %q", name, got, want)
		}
	}
}
