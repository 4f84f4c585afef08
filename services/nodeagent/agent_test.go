package nodeagent

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/examples/hello/helloimage"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/jetplane/jetplane/services/nodereports"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

var imagesDir string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "jetplane-agent-images-")
	if err == nil {
		ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
		err = helloimage.Build(ctx, dir, "1", "broken")
		cancel()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "building hello images:", err)
		os.Exit(1)
	}
	imagesDir = dir
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

var testOrigin = events.Origin{Source: "jetplane/test", Actor: "test"}

const node = "node-a"

// startAgent runs an agent on its own process runtime; the returned stop
// ends it and waits for Run to return.
func startAgent(t *testing.T, l *natslog.Log) (stop func()) {
	t.Helper()
	return startAgentOn(t, l, newRuntime(t), nil)
}

func newRuntime(t *testing.T) *runtime.Process {
	t.Helper()
	rt, err := runtime.NewProcess(runtime.ProcessConfig{ImagesDir: imagesDir, SecondOctetMin: 100, SecondOctetMax: 109})
	if err != nil {
		t.Fatal(err)
	}
	// Last of the test's cleanups (after its agents stopped): a test whose
	// agents keep their containers must not leave processes behind.
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		list, _ := rt.List(ctx)
		for _, c := range list {
			_ = rt.Stop(ctx, c.ID, time.Second)
			_ = rt.Remove(ctx, c.ID)
		}
	})
	return rt
}

// startAgentOn runs an agent on rt with the test's Config, changed by
// configure when given.
func startAgentOn(t *testing.T, l *natslog.Log, rt runtime.Runtime, configure func(*Config)) (stop func()) {
	t.Helper()
	cfg := Config{Log: l, NodeName: node, Runtime: rt, Labels: map[string]string{"tier": "test"}, Heartbeat: 200 * time.Millisecond}
	if configure != nil {
		configure(&cfg)
	}
	nodereports.ServeForTest(t, l)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- Run(ctx, cfg) }()
	stopped := false
	stop = func() {
		if stopped {
			return
		}
		stopped = true
		cancel()
		if err := <-done; err != nil {
			t.Errorf("agent: %v", err)
		}
	}
	t.Cleanup(stop)
	return stop
}

func createPod(t *testing.T, l *natslog.Log, name, image string, probe *corev1.Probe) {
	t.Helper()
	grace := int64(5)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: node, RestartPolicy: corev1.RestartPolicyAlways, TerminationGracePeriodSeconds: &grace,
			Containers: []corev1.Container{{Name: "hello", Image: image, ReadinessProbe: probe,
				Ports: []corev1.ContainerPort{{Name: "http", ContainerPort: 8080}}}}},
	}
	events.PrepareCreate(p, time.Now())
	if _, err := l.Write(context.Background(), testOrigin, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: p}); err != nil {
		t.Fatal(err)
	}
}

func readyzProbe() *corev1.Probe {
	return &corev1.Probe{ProbeHandler: corev1.ProbeHandler{HTTPGet: &corev1.HTTPGetAction{Path: "/readyz", Port: intstr.FromString("http")}},
		PeriodSeconds: 1, FailureThreshold: 2}
}

func getPod(t *testing.T, l *natslog.Log, name string) (*corev1.Pod, *events.Event) {
	t.Helper()
	ev, err := l.LastFor(context.Background(), "pods", "default", name)
	if err != nil || ev == nil {
		t.Fatalf("pod %s: %v %v", name, ev, err)
	}
	var p corev1.Pod
	if err := json.Unmarshal(ev.Data, &p); err != nil {
		t.Fatal(err)
	}
	return &p, ev
}

func ready(p *corev1.Pod) bool {
	for _, c := range p.Status.Conditions {
		if c.Type == corev1.PodReady {
			return c.Status == corev1.ConditionTrue
		}
	}
	return false
}

func hi(ip string) error {
	c := http.Client{Timeout: time.Second}
	resp, err := c.Get("http://" + ip + ":8080/hi/x")
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if string(body) != "Hello World x!!" {
		return fmt.Errorf("%s answered %q", ip, body)
	}
	return nil
}

// logLines counts the LOGS lines of a hello container that contain s;
// hello writes to stdout only.
func logLines(t *testing.T, l *natslog.Log, pod, s string) int {
	t.Helper()
	if n := logLinesOf(t, l, pod, "hello", events.LogStderr, ""); n > 0 {
		t.Fatalf("hello wrote %d lines to stderr", n)
	}
	return logLinesOf(t, l, pod, "hello", events.LogStdout, s)
}

// logLinesOf counts the LOGS lines of a container's stream that contain s.
func logLinesOf(t *testing.T, l *natslog.Log, pod, container, out, s string) int {
	t.Helper()
	ctx := context.Background()
	runs, err := l.LogAttempts(ctx, "default", pod)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, run := range runs {
		if run.Container != container {
			continue
		}
		if run.PodUID == "" {
			t.Fatalf("log run %+v", run.LogAttempt)
		}
		read := uint64(0)
		err := l.ReadLogs(ctx, run.LogAttempt, 1, run.Last.Seq, func(rec *events.LogRecord) error {
			read++
			if rec.PodUID == "" {
				t.Errorf("log record %+v", rec)
			}
			if rec.Stream == out && strings.Contains(string(rec.Data), s) {
				n++
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		// ReadLogs passes over what does not decode: every record must (the
		// run may have grown between the count and the read, never shrunk).
		if read < run.Records {
			t.Fatalf("only %d of the run's %d log records decode", read, run.Records)
		}
	}
	return n
}

func TestAgentRunsPodsOfItsNode(t *testing.T) {
	l := eventstest.Log(t)
	stop := startAgent(t, l)
	ctx := context.Background()

	// The Node is registered Ready, and the lease is written.
	eventstest.Eventually(t, 10*time.Second, func() error {
		ev, err := l.LastFor(ctx, "nodes", "", node)
		if err != nil || ev == nil {
			return fmt.Errorf("no node yet: %v", err)
		}
		var n corev1.Node
		if err := json.Unmarshal(ev.Data, &n); err != nil {
			return err
		}
		if n.Labels["kubernetes.io/hostname"] != node || n.Labels["tier"] != "test" || n.Status.NodeInfo.ContainerRuntimeVersion != "process://1" ||
			n.Status.Allocatable.Pods().Value() != 110 || n.Status.Capacity.Memory().IsZero() {
			return fmt.Errorf("node %+v", n)
		}
		for _, c := range n.Status.Conditions {
			if c.Type == corev1.NodeReady && c.Status == corev1.ConditionTrue && c.Reason == "KubeletReady" {
				return nil
			}
		}
		return fmt.Errorf("node not Ready: %+v", n.Status.Conditions)
	})
	eventstest.Eventually(t, 5*time.Second, func() error {
		kv, err := l.Leases().Get(ctx, LeaseKey(node))
		if err != nil {
			return err
		}
		if _, err := time.Parse(time.RFC3339Nano, string(kv.Value)); err != nil {
			return err
		}
		return nil
	})

	createPod(t, l, "web", "jetplane/hello:1", readyzProbe())
	createPod(t, l, "broken", "jetplane/hello:broken", readyzProbe())
	createPod(t, l, "ghost", "jetplane/ghost:1", nil)

	var web *corev1.Pod
	eventstest.Eventually(t, 20*time.Second, func() error {
		p, ev := getPod(t, l, "web")
		if p.Status.Phase != corev1.PodRunning || !ready(p) || p.Status.PodIP == "" {
			return fmt.Errorf("web: %s %s ready=%v ip=%q", ev.Type, p.Status.Phase, ready(p), p.Status.PodIP)
		}
		web = p
		return nil
	})
	if err := hi(web.Status.PodIP); err != nil {
		t.Fatal(err)
	}
	cs := web.Status.ContainerStatuses[0]
	if !strings.HasPrefix(web.Status.PodIP, "127.10") || web.Status.HostIP != HostIP || !cs.Ready || cs.State.Running == nil ||
		!strings.HasPrefix(cs.ContainerID, "process://") || !strings.HasPrefix(cs.ImageID, "sha256:") || cs.RestartCount != 0 {
		t.Fatalf("web status %+v", web.Status)
	}
	// The request went to the LOGS stream.
	eventstest.Eventually(t, 5*time.Second, func() error {
		if logLines(t, l, "web", "GET /hi/x") == 0 {
			return fmt.Errorf("request line not in LOGS")
		}
		return nil
	})

	// The broken version runs but is never Ready: its probe has failed at
	// least failureThreshold times (the app logs each probe request).
	eventstest.Eventually(t, 20*time.Second, func() error {
		if n := logLines(t, l, "broken", "GET /readyz"); n < 3 {
			return fmt.Errorf("readiness probed %d times", n)
		}
		return nil
	})
	broken, _ := getPod(t, l, "broken")
	if broken.Status.Phase != corev1.PodRunning || ready(broken) || broken.Status.ContainerStatuses[0].Ready {
		t.Fatalf("broken: %s ready=%v", broken.Status.Phase, ready(broken))
	}
	if broken.Status.PodIP == web.Status.PodIP {
		t.Fatalf("two pods share %s", web.Status.PodIP)
	}

	// An image the node does not have (pull policy unset, so not Never):
	// waiting with ErrImagePull, as a failed pull.
	eventstest.Eventually(t, 10*time.Second, func() error {
		p, _ := getPod(t, l, "ghost")
		if len(p.Status.ContainerStatuses) == 0 || p.Status.ContainerStatuses[0].State.Waiting == nil {
			return fmt.Errorf("ghost: %+v", p.Status)
		}
		w := p.Status.ContainerStatuses[0].State.Waiting
		if w.Reason != "ErrImagePull" || !strings.Contains(w.Message, `Failed to pull image "jetplane/ghost:1"`) || p.Status.Phase != corev1.PodPending {
			return fmt.Errorf("ghost waiting %+v phase %s", w, p.Status.Phase)
		}
		return nil
	})

	// Steady pods: the agent writes nothing more (heartbeats go to KV).
	eventstest.Quiet(t, l, 3*time.Second, 30*time.Second)

	// Terminating: the process is stopped, then the pod is deleted.
	p, ev := getPod(t, l, "web")
	if _, err := l.Write(ctx, testOrigin, events.DeleteWrite(events.MustLookup("pods"), p, ev.Seq, -1, time.Now())); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 15*time.Second, func() error {
		_, ev := getPod(t, l, "web")
		if !ev.IsDelete() {
			return fmt.Errorf("web last event %s", ev.Type)
		}
		return nil
	})
	if err := hi(web.Status.PodIP); err == nil {
		t.Fatal("web still answers after its deletion")
	}
	final, _ := getPod(t, l, "web")
	if final.Status.ContainerStatuses[0].State.Terminated == nil || final.Status.Phase != corev1.PodSucceeded {
		t.Fatalf("deleted pod's last state %+v", final.Status)
	}

	// The agent stops its containers when it ends, and keeps the records.
	brokenIP := broken.Status.PodIP
	stop()
	c := http.Client{Timeout: time.Second}
	if _, err := c.Get("http://" + brokenIP + ":8080/readyz"); err == nil {
		t.Fatal("broken still answers after the agent stopped")
	}
	if _, ev := getPod(t, l, "broken"); ev.IsDelete() {
		t.Fatal("the agent deleted a pod on shutdown")
	}

	// A new agent on the same log starts the pods again, restartCount+1.
	createPod(t, l, "web2", "jetplane/hello:1", readyzProbe())
	startAgent(t, l)
	eventstest.Eventually(t, 20*time.Second, func() error {
		p, _ := getPod(t, l, "broken")
		cs := p.Status.ContainerStatuses[0]
		if cs.RestartCount != 1 || cs.State.Running == nil || cs.LastTerminationState.Terminated == nil {
			return fmt.Errorf("broken after restart: %+v", cs)
		}
		if p.Status.PodIP != brokenIP {
			return fmt.Errorf("broken moved from %s to %s", brokenIP, p.Status.PodIP)
		}
		p2, _ := getPod(t, l, "web2")
		if !ready(p2) {
			return fmt.Errorf("web2 not ready")
		}
		return hi(p2.Status.PodIP)
	})
	eventstest.Quiet(t, l, 3*time.Second, 30*time.Second)
}

func TestAgentRestartsContainerFailingLiveness(t *testing.T) {
	l := eventstest.Log(t)
	startAgent(t, l)
	grace := int64(5)
	p := &corev1.Pod{
		ObjectMeta: metav1.ObjectMeta{Name: "sick", Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: node, TerminationGracePeriodSeconds: &grace, Containers: []corev1.Container{{
			Name: "hello", Image: "jetplane/hello:1",
			// Nothing listens on 9 (discard): the TCP probe fails.
			LivenessProbe: &corev1.Probe{ProbeHandler: corev1.ProbeHandler{TCPSocket: &corev1.TCPSocketAction{Port: intstr.FromInt32(9)}},
				PeriodSeconds: 1, FailureThreshold: 1},
		}}},
	}
	events.PrepareCreate(p, time.Now())
	if _, err := l.Write(context.Background(), testOrigin, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: p}); err != nil {
		t.Fatal(err)
	}
	// Killed for its liveness, it waits out the restart back-off.
	eventstest.Eventually(t, 20*time.Second, func() error {
		p, _ := getPod(t, l, "sick")
		if len(p.Status.ContainerStatuses) == 0 {
			return fmt.Errorf("no container status")
		}
		cs := p.Status.ContainerStatuses[0]
		if cs.State.Waiting == nil || cs.State.Waiting.Reason != "CrashLoopBackOff" || cs.LastTerminationState.Terminated == nil {
			return fmt.Errorf("sick: %+v", cs)
		}
		if p.Status.Phase != corev1.PodRunning || ready(p) {
			return fmt.Errorf("sick: phase %s ready %v", p.Status.Phase, ready(p))
		}
		if m := cs.LastTerminationState.Terminated.Message; m != "Container hello failed liveness probe, will be restarted" {
			return fmt.Errorf("sick: lastState message %q", m)
		}
		return nil
	})
}
