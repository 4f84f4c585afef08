package runtime

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/examples/hello/helloimage"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/runtimetest"
)

func TestImagePath(t *testing.T) {
	cases := []struct{ image, want, err string }{
		{"jetplane/hello:1", "/img/jetplane/hello/1/entrypoint", ""},
		{"jetplane/hello", "/img/jetplane/hello/latest/entrypoint", ""},
		{"busybox:1.36", "/img/library/busybox/1.36/entrypoint", ""},
		{"docker.io/jetplane/hello:2", "/img/jetplane/hello/2/entrypoint", ""},
		{"localhost:5000/jetplane/hello:2", "/img/jetplane/hello/2/entrypoint", ""},
		{"jetplane/hello@sha256:abc", "", "digests"},
		{"../../etc:passwd", "", "invalid"},
	}
	for _, c := range cases {
		got, err := ImagePath("/img", c.image)
		if c.err != "" {
			if err == nil || !strings.Contains(err.Error(), c.err) {
				t.Errorf("%s: err %v, want %q", c.image, err, c.err)
			}
			continue
		}
		if err != nil || got != c.want {
			t.Errorf("%s: %q %v, want %q", c.image, got, err, c.want)
		}
	}
}

func TestAllocateIP(t *testing.T) {
	r := loopbackRange{lo: 200, hi: 200}
	t.Cleanup(func() {
		for _, u := range []string{"uid-a", "uid-b", "uid-c", "uid-d"} {
			releaseLoopback(u)
		}
	})
	a, err := r.allocate("uid-a", "", nil)
	if err != nil || !strings.HasPrefix(a, "127.200.") {
		t.Fatalf("a: %q %v", a, err)
	}
	if again, _ := r.allocate("uid-a", "", nil); again != a {
		t.Fatalf("same pod got %q then %q", a, again)
	}
	// b prefers a's address: taken, so it gets another.
	b, _ := r.allocate("uid-b", a, nil)
	if b == a || b == "" {
		t.Fatalf("b got %q (a has %q)", b, a)
	}
	// c prefers a free address in range: it gets it.
	c, _ := r.allocate("uid-c", "127.200.9.9", nil)
	if c != "127.200.9.9" {
		t.Fatalf("c got %q", c)
	}
	// Addresses used elsewhere (other nodes' pods) are skipped, and an
	// out-of-range preference is ignored.
	first := ""
	d, _ := r.allocate("uid-d", "127.0.0.1", func(ip string) bool {
		if first == "" {
			first = ip
		}
		return ip == first
	})
	if d == first || d == "127.0.0.1" || d == a || d == b || d == c {
		t.Fatalf("d got %q", d)
	}
	releaseLoopback("uid-a")
	if b2, _ := r.allocate("uid-b", a, nil); b2 != a {
		t.Fatalf("released address not reusable: %q", b2)
	}
}

var buildOnce = sync.OnceValues(func() (string, error) {
	dir, err := os.MkdirTemp("", "jetplane-runtime-images-")
	if err != nil {
		return "", err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	return dir, helloimage.Build(ctx, dir, "1")
})

func images(t *testing.T) string {
	dir, err := buildOnce()
	if err != nil {
		t.Fatal(err)
	}
	return dir
}

type lines struct {
	mu  sync.Mutex
	all []string
}

func (l *lines) sink(spec ContainerSpec, stream, line string, at time.Time) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.all = append(l.all, spec.Name+"/"+stream+": "+line)
}

func (l *lines) has(s string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, x := range l.all {
		if strings.Contains(x, s) {
			return nil
		}
	}
	return fmt.Errorf("no line with %q in %q", s, l.all)
}

func TestProcessRunsHelloOnItsOwnLoopbackIP(t *testing.T) {
	var out lines
	rt, err := NewProcess(ProcessConfig{ImagesDir: images(t), Logs: out.sink})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	ip, err := rt.AllocateIP("pod-hello", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rt.ReleaseIP("pod-hello") })
	id, err := rt.Start(ctx, ContainerSpec{PodUID: "pod-hello", Namespace: "default", PodName: "hello", Name: "hello",
		Image: "jetplane/hello:1", PodIP: ip, Env: []EnvVar{{"PORT", "8080"}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = rt.Stop(ctx, id, 0) })
	eventstest.Eventually(t, 10*time.Second, func() error {
		resp, err := http.Get("http://" + ip + ":8080/hi/x")
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if string(body) != "Hello World x!!" {
			return fmt.Errorf("answer %q", body)
		}
		return nil
	})
	eventstest.Eventually(t, 5*time.Second, func() error { return out.has("hello/stdout: ") })
	eventstest.Eventually(t, 5*time.Second, func() error { return out.has("GET /hi/x") })
	list, _ := rt.List(ctx)
	if len(list) != 1 || list[0].ID != id || list[0].State.Phase != Running || !strings.HasPrefix(list[0].ImageID, "sha256:") {
		t.Fatalf("list: %+v", list)
	}
	if err := rt.Stop(ctx, id, 5*time.Second); err != nil {
		t.Fatal(err)
	}
	st, err := rt.Status(ctx, id)
	// hello exits cleanly on SIGTERM.
	if err != nil || st.Phase != Exited || st.ExitCode != 0 || st.Reason != "Completed" {
		t.Fatalf("after stop: %+v %v", st, err)
	}
	if _, err := http.Get("http://" + ip + ":8080/hi/x"); err == nil {
		t.Fatal("still answering after Stop")
	}
	if err := rt.Remove(ctx, id); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.Status(ctx, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after remove: %v", err)
	}
}

func TestProcessMissingImageIsErrImagePullOrNeverPull(t *testing.T) {
	dir := t.TempDir()
	rt, err := NewProcess(ProcessConfig{ImagesDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	_, err = rt.Start(context.Background(), ContainerSpec{Name: "c", Image: "jetplane/nope:3"})
	var se *StartError
	if !errors.Is(err, ErrImagePull) || !errors.As(err, &se) || se.Reason != "ErrImagePull" {
		t.Fatalf("IfNotPresent: err = %v", err)
	}
	_, err = rt.Start(context.Background(), ContainerSpec{Name: "c", Image: "jetplane/nope:3", PullPolicy: "Never"})
	if !errors.Is(err, ErrImageNeverPull) || !errors.As(err, &se) || se.Reason != "ErrImageNeverPull" {
		t.Fatalf("Never: err = %v", err)
	}
	want := fmt.Sprintf(`Container image "jetplane/nope:3" is not present with pull policy of Never (process runtime: no %s)`,
		filepath.Join(dir, "jetplane/nope/3/entrypoint"))
	if se.Message != want {
		t.Fatalf("message %q, want %q", se.Message, want)
	}
}

func TestProcessExitCodesAndGroupKill(t *testing.T) {
	rt, err := NewProcess(ProcessConfig{ImagesDir: images(t)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Command replaces the entrypoint; args follow it.
	id, err := rt.Start(ctx, ContainerSpec{Name: "exit3", Image: "jetplane/hello:1", Command: []string{"sh", "-c"}, Args: []string{"exit 3"}})
	if err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 5*time.Second, func() error {
		st, _ := rt.Status(ctx, id)
		if st.Phase != Exited || st.ExitCode != 3 || st.Reason != "Error" {
			return fmt.Errorf("state %+v", st)
		}
		return nil
	})
	// A child that ignores SIGTERM dies with its group at the end of grace.
	pidFile := filepath.Join(runtimetest.SharedDir(t), "child")
	id, err = rt.Start(ctx, ContainerSpec{Name: "stubborn", Image: "jetplane/hello:1", Command: []string{"sh", "-c"},
		Args: []string{"trap '' TERM; sleep 300 & echo $! > " + pidFile + "; wait"}})
	if err != nil {
		t.Fatal(err)
	}
	child := waitPIDFile(t, pidFile)
	if err := rt.Stop(ctx, id, 200*time.Millisecond); err != nil {
		t.Fatal(err)
	}
	st, _ := rt.Status(ctx, id)
	if st.Phase != Exited || st.ExitCode != 137 {
		t.Fatalf("after kill: %+v", st)
	}
	eventstest.Eventually(t, 5*time.Second, func() error {
		if err := syscall.Kill(child, 0); err == nil {
			return fmt.Errorf("child %d still alive", child)
		}
		return nil
	})
}
