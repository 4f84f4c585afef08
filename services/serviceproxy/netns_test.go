package serviceproxy

import (
	"crypto/rand"
	"encoding/hex"
	"os"
	"os/exec"
	goruntime "runtime"
	"strconv"
	"strings"
	"testing"

	"github.com/vishvananda/netns"
)

// requireKernel makes sure the test may create network namespaces and
// program nftables (root, iproute2, nft). Without them it fails under
// JETPLANE_REQUIRE_DOCKER=1 (CI, which has them) and skips otherwise.
func requireKernel(t testing.TB) {
	t.Helper()
	missing := ""
	if os.Geteuid() != 0 {
		missing = "root"
	}
	for _, tool := range []string{"ip", "nft"} {
		if _, err := exec.LookPath(tool); err != nil {
			missing = tool
		}
	}
	if missing == "" {
		return
	}
	if os.Getenv("JETPLANE_REQUIRE_DOCKER") == "1" {
		t.Fatalf("the ClusterIP data path tests need %s", missing)
	}
	t.Skipf("the ClusterIP data path tests need %s; set JETPLANE_REQUIRE_DOCKER=1 to make this a failure", missing)
}

// testHosts is a small routed network of network namespaces: "host" (where
// the data path is programmed) and pods, each on its own veth pair to the
// host (pod i: 10.244.i.2/24, the host 10.244.i.1).
type testHosts struct {
	t      testing.TB
	prefix string
}

func newTestHosts(t testing.TB, pods int) *testHosts {
	t.Helper()
	requireKernel(t)
	b := make([]byte, 3)
	_, _ = rand.Read(b)
	h := &testHosts{t: t, prefix: "jpt" + hex.EncodeToString(b)}
	t.Cleanup(func() {
		for i := 0; i <= pods; i++ {
			_ = exec.Command("ip", "netns", "del", h.ns(i)).Run()
		}
	})
	h.run("ip", "netns", "add", h.ns(0))
	h.run("ip", "-n", h.ns(0), "link", "set", "lo", "up")
	h.run("ip", "netns", "exec", h.ns(0), "sysctl", "-qw", "net.ipv4.ip_forward=1")
	for i := 1; i <= pods; i++ {
		pod, host := h.prefix+"p"+itoa(i), h.prefix+"h"+itoa(i)
		h.run("ip", "netns", "add", h.ns(i))
		h.run("ip", "-n", h.ns(i), "link", "set", "lo", "up")
		h.run("ip", "link", "add", pod, "netns", h.ns(i), "type", "veth", "peer", "name", host, "netns", h.ns(0))
		h.run("ip", "-n", h.ns(0), "addr", "add", "10.244."+itoa(i)+".1/24", "dev", host)
		h.run("ip", "-n", h.ns(0), "link", "set", host, "up")
		h.run("ip", "-n", h.ns(i), "addr", "add", "10.244."+itoa(i)+".2/24", "dev", pod)
		h.run("ip", "-n", h.ns(i), "link", "set", pod, "up")
		h.run("ip", "-n", h.ns(i), "route", "add", "default", "via", "10.244."+itoa(i)+".1")
	}
	return h
}

// ns is the name of namespace i (0: the host).
func (h *testHosts) ns(i int) string { return h.prefix + "n" + itoa(i) }

func (h *testHosts) run(args ...string) {
	h.t.Helper()
	if out, err := exec.Command(args[0], args[1:]...).CombinedOutput(); err != nil {
		h.t.Fatalf("%s: %v: %s", strings.Join(args, " "), err, out)
	}
}

// in runs fn on an OS thread in namespace i; processes fn starts (nft) and
// sockets it opens belong to that namespace. The thread is never handed
// back to the scheduler: it ends with its goroutine.
func (h *testHosts) in(i int, fn func()) {
	h.t.Helper()
	done := make(chan error, 1)
	go func() {
		goruntime.LockOSThread()
		ns, err := netns.GetFromName(h.ns(i))
		if err == nil {
			err = netns.Set(ns)
			ns.Close()
		}
		if err != nil {
			done <- err
			return
		}
		defer close(done)
		fn()
	}()
	if err := <-done; err != nil {
		h.t.Fatalf("enter %s: %v", h.ns(i), err)
	}
}

func itoa(i int) string { return strconv.Itoa(i) }
