package serviceproxy

import (
	"context"
	"fmt"
	"net/netip"
	"testing"

	"github.com/jetplane/jetplane/clusterip"
	"github.com/jetplane/jetplane/routing"
	corev1 "k8s.io/api/core/v1"
)

// BenchmarkClusterIPSync measures writing the rules of n Services (two
// backends each) into the kernel, in a network namespace of its own: "full"
// from an empty table (a proxy's start), "one" one Service's backends
// changing among n (the steady state).
func BenchmarkClusterIPSync(b *testing.B) {
	h := newTestHosts(b, 0)
	LockDir = b.TempDir()
	ctx := context.Background()
	for _, n := range []int{1000, 10000} {
		all := benchRules(n, 0)
		var dp *DataPath
		var err error
		h.in(0, func() { dp, err = openDataPath(ctx, "jetplane-bench", netip.MustParsePrefix("10.96.0.0/12")) })
		if err != nil {
			b.Fatal(err)
		}
		b.Run(fmt.Sprintf("full/services=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				h.in(0, func() {
					if err = dp.table.reset(ctx); err == nil {
						_, err = dp.table.sync(ctx, render(all, false))
					}
				})
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run(fmt.Sprintf("one/services=%d", n), func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				changed := benchRules(n, i+1)
				h.in(0, func() { _, err = dp.table.sync(ctx, render(changed, false)) })
				if err != nil {
					b.Fatal(err)
				}
			}
		})
		h.in(0, func() { err = dp.Close(ctx) })
		if err != nil {
			b.Fatal(err)
		}
	}
}

// benchRules are n Services of two backends each; version v moves the
// first Service's second backend, so consecutive versions differ in one.
func benchRules(n, v int) []clusterip.Rule {
	out := make([]clusterip.Rule, n)
	for i := range out {
		ip := netip.AddrFrom4([4]byte{10, 96, byte(i >> 8), byte(i)})
		out[i] = clusterip.Rule{Namespace: "bench", Service: fmt.Sprintf("s%d", i), PortName: "http", IP: ip,
			Protocol: corev1.ProtocolTCP, Port: 80, Backends: []routing.Backend{
				{IP: fmt.Sprintf("10.244.%d.%d", i>>8, i&0xff), Port: 8080},
				{IP: fmt.Sprintf("10.245.%d.%d", i>>8, i&0xff), Port: 8080}}}
	}
	if v > 0 {
		out[0].Backends[1].IP = fmt.Sprintf("10.246.%d.%d", (v>>8)&0xff, v&0xff)
	}
	return out
}
