package nodeagent

import (
	"context"
	"fmt"
	"os"
	goruntime "runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/projections"
	corev1 "k8s.io/api/core/v1"
)

// BenchmarkFleet1000 starts 1,000 hollow agents and reports how long their
// nodes take to be Ready, the heap and RSS they added (the embedded NATS
// server's share included), and the CPU the idle fleet uses; with
// JETPLANE_FLEET_PODS=N it then runs N pods over the fleet and reports the
// time until all run and the CPU of the busy fleet idling. Run with
// -benchtime=1x.
func BenchmarkFleet1000(b *testing.B) {
	const nodes = 1000
	podCount, _ := strconv.Atoi(os.Getenv("JETPLANE_FLEET_PODS"))
	for range b.N {
		l := eventstest.Log(b)
		watch := projections.New(l, "bench")
		if err := watch.Start(context.Background()); err != nil {
			b.Fatal(err)
		}
		heap0, rss0 := heapInUse(), rssBytes()
		started := time.Now()
		startFleet(b, l, hollowFleet(b, nodes, 10*time.Second))
		eventstest.Eventually(b, 2*time.Minute, func() error {
			return countAtLeast(watch, "nodes", nodes, func(o events.Object) bool { return true })
		})
		b.ReportMetric(time.Since(started).Seconds(), "s-register")
		b.ReportMetric(float64(heapInUse()-heap0)/(1<<20), "MiB-heap")
		b.ReportMetric(float64(rssBytes()-rss0)/(1<<20), "MiB-rss")
		b.ReportMetric(cpuOver(2*time.Second), "cpu-idle")
		if podCount == 0 {
			continue
		}
		started = time.Now()
		createPods(b, l, podCount, nodes)
		eventstest.Eventually(b, 5*time.Minute, func() error {
			return countAtLeast(watch, "pods", podCount, func(o events.Object) bool {
				return o.(*corev1.Pod).Status.Phase == corev1.PodRunning && ready(o.(*corev1.Pod))
			})
		})
		b.ReportMetric(time.Since(started).Seconds(), "s-pods")
		b.ReportMetric(float64(heapInUse()-heap0)/(1<<20), "MiB-heap-pods")
		b.ReportMetric(cpuOver(2*time.Second), "cpu-idle-pods")
	}
}

func countAtLeast(p *projections.Projection, resource string, want int, ok func(events.Object) bool) error {
	n := 0
	for _, e := range p.State().List(resource, "", nil) {
		if ok(e.Object) {
			n++
		}
	}
	if n < want {
		return fmt.Errorf("%d of %d %s", n, want, resource)
	}
	return nil
}

// createPods appends n pods bound round robin to the fleet's nodes, from
// 32 writers.
func createPods(b *testing.B, l *natslog.Log, n, nodes int) {
	var wg sync.WaitGroup
	for w := range 32 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < n; i += 32 {
				p := shPod(fmt.Sprintf("p%06d", i), "sleep 1000", func(p *corev1.Pod) { p.Spec.NodeName = fleetNode(i % nodes) })
				events.PrepareCreate(p, time.Now())
				if _, err := l.Write(context.Background(), testOrigin, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: p}); err != nil {
					b.Error(err)
					return
				}
			}
		}()
	}
	wg.Wait()
}

func heapInUse() int64 {
	goruntime.GC()
	var m goruntime.MemStats
	goruntime.ReadMemStats(&m)
	return int64(m.HeapInuse)
}

func rssBytes() int64 {
	b, _ := os.ReadFile("/proc/self/status")
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "VmRSS:"); ok {
			kb, _ := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			return kb << 10
		}
	}
	return 0
}

// cpuOver is the CPUs the process used over d (user and system).
func cpuOver(d time.Duration) float64 {
	used := func() time.Duration {
		var ru syscall.Rusage
		_ = syscall.Getrusage(syscall.RUSAGE_SELF, &ru)
		return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
	}
	before, start := used(), time.Now()
	time.Sleep(d) // a measuring window, not a wait for something to happen
	return float64(used()-before) / float64(time.Since(start))
}
