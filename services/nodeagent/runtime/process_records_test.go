package runtime

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/runtimetest"
)

// A runtime made on the state directory of one that crashed (its agent
// killed with -9: no Stop ran) kills every process group it left — the
// container and what the container started — and no more: a record whose
// pid now names another process (its start time differs) is dropped, the
// process left alone.
func TestProcessSuccessorKillsWhatACrashedRuntimeLeft(t *testing.T) {
	state := t.TempDir()
	crashed, err := NewProcess(ProcessConfig{ImagesDir: images(t), StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	pidFile := filepath.Join(runtimetest.SharedDir(t), "grandchild")
	id, err := crashed.Start(ctx, ContainerSpec{Namespace: "default", PodName: "web-0", Name: "main", Image: "jetplane/hello:1",
		Command: []string{"sh", "-c"}, Args: []string{"sleep 300 & echo $! > " + pidFile + "; wait"}})
	if err != nil {
		t.Fatal(err)
	}
	grandchild := waitPIDFile(t, pidFile)
	// Another process's pid under a record of a start time it does not have.
	stale, _ := json.Marshal(processRecord{PID: os.Getpid(), PGID: os.Getpid(), StartTime: 1, Pod: "default/old", Container: "x"})
	if err := os.WriteFile(filepath.Join(state, "stale.json"), stale, 0o600); err != nil {
		t.Fatal(err)
	}

	successor, err := NewProcess(ProcessConfig{ImagesDir: images(t), StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	left := successor.LeftBehind()
	if len(left) != 1 || left[0].Pod != "default/web-0" || left[0].Container != "main" {
		t.Fatalf("killed %+v, want the one container of default/web-0", left)
	}
	eventstest.Eventually(t, 5*time.Second, func() error {
		st, _ := crashed.Status(ctx, id)
		if st.Phase != Exited || st.ExitCode != 137 {
			return fmt.Errorf("the crashed runtime's container: %+v", st)
		}
		if err := syscall.Kill(grandchild, 0); err == nil {
			return fmt.Errorf("what the container started (%d) still runs", grandchild)
		}
		return nil
	})
	if rest, _ := os.ReadDir(state); len(rest) != 0 {
		t.Errorf("records left: %v", rest)
	}
}

// A record lives as long as its process: written at start, removed once
// the process is reaped.
func TestProcessRecordFollowsItsProcess(t *testing.T) {
	state := t.TempDir()
	rt, err := NewProcess(ProcessConfig{ImagesDir: images(t), StateDir: state})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	id, err := rt.Start(ctx, ContainerSpec{Namespace: "default", PodName: "p", Name: "c", Image: "jetplane/hello:1",
		Command: []string{"sh", "-c"}, Args: []string{"sleep 300"}})
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(filepath.Join(state, string(id)+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var rec processRecord
	if err := json.Unmarshal(b, &rec); err != nil || rec.PID <= 0 || rec.StartTime == 0 || rec.Pod != "default/p" {
		t.Fatalf("record %s: %+v %v", b, rec, err)
	}
	if err := rt.Stop(ctx, id, time.Second); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(state, string(id)+".json")); !os.IsNotExist(err) {
		t.Errorf("record of a reaped process still there: %v", err)
	}
}

// waitPIDFile waits for a container to write a pid to path and reads it.
func waitPIDFile(t *testing.T, path string) int {
	t.Helper()
	var pid int
	eventstest.Eventually(t, 5*time.Second, func() error {
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		pid, err = strconv.Atoi(strings.TrimSpace(string(b)))
		return err
	})
	return pid
}
