package allinone_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
	"github.com/jetplane/jetplane/services/serviceproxy"
	"github.com/miekg/dns"
)

// BenchmarkClusterDNS measures queries answered per second by one node's
// cluster DNS (CoreDNS: kubernetes, cache), 8 clients in parallel over UDP
// on loopback, beside a bare miekg/dns server answering a fixed record the
// same way (the ratio is the figure; the machine's speed cancels out).
func BenchmarkClusterDNS(b *testing.B) {
	stub := stubResolver(b)
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: b.TempDir(), GatewayAddr: "127.0.0.1:0",
		NATSPort: -1, Runtime: "process", NodeName: "dns-bench", IngressAddr: "-",
		DNSAddr: "127.0.0.1:0", DNSUpstreams: []string{stub}})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Stop() })
	eventstest.Eventually(b, 30*time.Second, func() error {
		got, _, err := lookup(c.DNSAddr, "kubernetes.default.svc.cluster.local", dns.TypeA)
		if err != nil || len(got) != 1 {
			return fmt.Errorf("not answering yet: %v %v", got, err)
		}
		return nil
	})
	run := func(b *testing.B, addr, name string) {
		b.SetParallelism(4) // 4 × GOMAXPROCS (2 here) clients
		b.RunParallel(func(pb *testing.PB) {
			cl := &dns.Client{Timeout: 2 * time.Second}
			m := new(dns.Msg)
			m.SetQuestion(name, dns.TypeA)
			for pb.Next() {
				if r, _, err := cl.Exchange(m, addr); err != nil || len(r.Answer) != 1 {
					b.Errorf("%s: %v", name, err)
					return
				}
			}
		})
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "queries/s")
	}
	b.Run("coredns/service", func(b *testing.B) { run(b, c.DNSAddr, "kubernetes.default.svc.cluster.local.") })
	b.Run("coredns/forwarded", func(b *testing.B) { run(b, c.DNSAddr, "outside.test.") })
	b.Run("stub", func(b *testing.B) { run(b, stub, "outside.test.") })
}

// BenchmarkClusterIPLatency measures a request (new connection each time)
// from the host to a hello pod straight at its pod IP and through its
// Service's cluster IP (the kernel's DNAT and masquerade), in one run: the
// ratio of the two is the data path's added latency.
func BenchmarkClusterIPLatency(b *testing.B) {
	cli := dockertest.Engine(b)
	dockertest.HelloImages(b, "1")
	node := dockertest.NodeName(b)
	dockertest.RemoveNodeContainers(b, cli, node)
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: b.TempDir(), GatewayAddr: "127.0.0.1:0",
		NATSPort: -1, Runtime: "docker", NodeName: node, IngressAddr: "-", ClusterIPs: serviceproxy.ClusterIPsOn})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Stop() })
	one := strings.Replace(clusterIPHello, "replicas: 3", "replicas: 1", 1)
	kubectlIn(b, c, one, "apply", "-f", "-")
	pods := dockerPods(b, c, cli, 1)
	clusterIP := strings.TrimSpace(kubectl(b, c, "get", "svc", "dhello", "-o", "jsonpath={.spec.clusterIP}"))
	eventstest.Eventually(b, 30*time.Second, func() error { return hiFrom(clusterIP, "x") })
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true,
		DialContext: (&net.Dialer{Timeout: 2 * time.Second}).DialContext}}
	get := func(b *testing.B, ip string) {
		for i := 0; i < b.N; i++ {
			res, err := client.Get("http://" + net.JoinHostPort(ip, "8080") + "/hi/x")
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	}
	b.Run("pod-ip", func(b *testing.B) { get(b, pods[0].Status.PodIP) })
	b.Run("cluster-ip", func(b *testing.B) { get(b, clusterIP) })
}
