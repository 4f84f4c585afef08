package allinone_test

import (
	"context"
	"fmt"
	"io"
	"net/url"
	"os"
	goruntime "runtime"
	"runtime/pprof"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/remotecommand"
)

// Fifty exec streams held open at once (half reading stdin, half printing
// forever), then their clients gone: every session ends on both sides and the gateway's and agent's goroutines come
// back to what they were (the heap each stream held is logged, for the note).
func TestDockerFiftyStreamsLeaveNothingBehind(t *testing.T) {
	c := startDockerBox(t)
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(c.GatewayURL + "/api/v1/namespaces/default/pods/box/exec?command=cat&stdin=true&stdout=true")
	settle := func() (int, uint64) {
		goruntime.GC()
		var m goruntime.MemStats
		goruntime.ReadMemStats(&m)
		return goruntime.NumGoroutine(), m.HeapInuse
	}
	baseGoroutines, baseHeap := settle()

	const n = 50
	ctx, cancel := context.WithCancel(context.Background())
	writers := make([]*io.PipeWriter, n)
	done := make(chan error, n)
	// Half of them cat their stdin; the other half print forever with no
	// stdin (only a failed write to the gone client can end those).
	talker, _ := url.Parse(c.GatewayURL + "/api/v1/namespaces/default/pods/box/exec?command=sh&command=-c&command=" +
		url.QueryEscape("while true; do echo x; sleep 0.1; done") + "&stdout=true")
	for i := range n {
		r, w := io.Pipe()
		writers[i] = w
		target, opts := u, remotecommand.StreamOptions{Stdin: r, Stdout: io.Discard}
		if i%2 == 1 {
			target, opts = talker, remotecommand.StreamOptions{Stdout: io.Discard}
		}
		ex, err := remotecommand.NewSPDYExecutor(cfg, "POST", target)
		if err != nil {
			t.Fatal(err)
		}
		go func() { done <- ex.StreamWithContext(ctx, opts) }()
	}
	// Each stream works: a line through cat comes back (not read here);
	// wait until the agent runs all fifty.
	eventstest.Eventually(t, 60*time.Second, func() error {
		g, _ := settle()
		if g < baseGoroutines+n*4 {
			return fmt.Errorf("%d goroutines, %d before the streams", g, baseGoroutines)
		}
		return nil
	})
	for i := 0; i < n; i += 2 { // the cat streams (the others read no stdin)
		_, _ = writers[i].Write([]byte("line\n"))
	}
	openGoroutines, openHeap := settle()
	t.Logf("50 open exec streams: %d goroutines more, heap %+d KiB (%.1f KiB per stream, gateway, NATS and agent together)",
		openGoroutines-baseGoroutines, (int64(openHeap)-int64(baseHeap))/1024, float64(int64(openHeap)-int64(baseHeap))/1024/n)

	cancel() // the clients go away mid-stream
	for range n {
		<-done
	}
	for _, w := range writers {
		_ = w.Close() // the test's own stdin copiers (client side)
	}
	t.Cleanup(func() {
		if t.Failed() {
			_ = pprof.Lookup("goroutine").WriteTo(os.Stderr, 1)
		}
	})
	eventstest.Eventually(t, 60*time.Second, func() error {
		if g, _ := settle(); g > baseGoroutines+10 {
			return fmt.Errorf("%d goroutines left, %d before the streams", g, baseGoroutines)
		}
		return nil
	})
}
