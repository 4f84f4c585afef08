package allinone_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/miekg/dns"
)

// stubResolver answers outside.test. with 192.0.2.7 and refuses the rest:
// the "host's resolver" forwarding is tested against, on loopback.
func stubResolver(t testing.TB) string {
	t.Helper()
	pc, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	srv := &dns.Server{PacketConn: pc, Handler: dns.HandlerFunc(func(w dns.ResponseWriter, r *dns.Msg) {
		m := new(dns.Msg)
		m.SetReply(r)
		if len(r.Question) == 1 && r.Question[0].Name == "outside.test." && r.Question[0].Qtype == dns.TypeA {
			rr, _ := dns.NewRR("outside.test. 60 IN A 192.0.2.7")
			m.Answer = append(m.Answer, rr)
		} else {
			m.Rcode = dns.RcodeRefused
		}
		_ = w.WriteMsg(m)
	})}
	go func() { _ = srv.ActivateAndServe() }()
	t.Cleanup(func() { _ = srv.Shutdown() })
	return pc.LocalAddr().String()
}

// freeAddr is a loopback address with a port free now.
func freeAddr(t testing.TB) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// lookup asks the server at addr and returns the answer's records' values
// (A/AAAA address, CNAME target, SRV "port target"), sorted, and the rcode.
func lookup(addr, name string, qtype uint16) ([]string, int, error) {
	m := new(dns.Msg)
	m.SetQuestion(dns.Fqdn(name), qtype)
	c := &dns.Client{Timeout: 2 * time.Second}
	r, _, err := c.Exchange(m, addr)
	if err != nil {
		return nil, 0, err
	}
	var out []string
	for _, rr := range r.Answer {
		switch v := rr.(type) {
		case *dns.A:
			out = append(out, v.A.String())
		case *dns.AAAA:
			out = append(out, v.AAAA.String())
		case *dns.CNAME:
			out = append(out, v.Target)
		case *dns.SRV:
			out = append(out, fmt.Sprintf("%d %s", v.Port, v.Target))
		}
	}
	sort.Strings(out)
	return out, r.Rcode, nil
}

const dnsObjects = `apiVersion: v1
kind: Service
metadata: {name: hello}
spec:
  selector: {app: hello}
  ports: [{name: http, port: 8080}]
---
apiVersion: v1
kind: Service
metadata: {name: numbers-api}
spec:
  clusterIP: None
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Endpoints
metadata: {name: numbers-api}
subsets:
- addresses:
  - {ip: 10.1.0.5, hostname: web-0}
  - {ip: 10.1.0.6}
  ports: [{name: http, port: 80}]
---
apiVersion: v1
kind: Service
metadata: {name: db}
spec:
  type: ExternalName
  externalName: db.example.invalid
`

// The cluster DNS is CoreDNS with its kubernetes plugin reading Jetplane's
// API through client-go: it answers as in Kubernetes for Services
// (ClusterIP, headless, named ports, ExternalName, the API's own), refuses
// what does not exist, forwards the rest, and kube-dns lists it.
func TestClusterDNSAnswersAsCoreDNS(t *testing.T) {
	stub := stubResolver(t)
	health, ready := freeAddr(t), freeAddr(t)
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: t.TempDir(), GatewayAddr: "127.0.0.1:0",
		NATSPort: -1, Runtime: "process", NodeName: "dns-node", IngressAddr: "-",
		DNSAddr: "127.0.0.1:0", DNSUpstreams: []string{stub}, DNSCacheSeconds: 1,
		DNSHealthAddr: health, DNSReadyAddr: ready})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Stop() })
	kubectlIn(t, c, dnsObjects, "apply", "-f", "-")
	helloIP := strings.TrimSpace(kubectl(t, c, "get", "svc", "hello", "-o", "jsonpath={.spec.clusterIP}"))

	type query struct {
		name  string
		qtype uint16
		want  []string
		rcode int
	}
	queries := []query{
		{"hello.default.svc.cluster.local", dns.TypeA, []string{helloIP}, dns.RcodeSuccess},
		{"kubernetes.default.svc.cluster.local", dns.TypeA, []string{"10.96.0.1"}, dns.RcodeSuccess},
		{"kube-dns.kube-system.svc.cluster.local", dns.TypeA, []string{"10.96.0.10"}, dns.RcodeSuccess},
		{"numbers-api.default.svc.cluster.local", dns.TypeA, []string{"10.1.0.5", "10.1.0.6"}, dns.RcodeSuccess},
		{"web-0.numbers-api.default.svc.cluster.local", dns.TypeA, []string{"10.1.0.5"}, dns.RcodeSuccess},
		{"_http._tcp.hello.default.svc.cluster.local", dns.TypeSRV, []string{"8080 hello.default.svc.cluster.local."}, dns.RcodeSuccess},
		{"db.default.svc.cluster.local", dns.TypeA, []string{"db.example.invalid."}, dns.RcodeSuccess},
		{"nope.default.svc.cluster.local", dns.TypeA, nil, dns.RcodeNameError},
		{"outside.test", dns.TypeA, []string{"192.0.2.7"}, dns.RcodeSuccess},
	}
	for _, q := range queries {
		eventstest.Eventually(t, 60*time.Second, func() error {
			got, rcode, err := lookup(c.DNSAddr, q.name, q.qtype)
			if err != nil {
				return err
			}
			if rcode != q.rcode || fmt.Sprint(got) != fmt.Sprint(q.want) {
				return fmt.Errorf("%s %s: %v (%s), want %v (%s)", q.name, dns.TypeToString[q.qtype], got,
					dns.RcodeToString[rcode], q.want, dns.RcodeToString[q.rcode])
			}
			return nil
		})
	}
	// A change shows through the informers: a Service deleted is NXDOMAIN.
	kubectl(t, c, "delete", "svc", "hello")
	eventstest.Eventually(t, 60*time.Second, func() error {
		if _, rcode, err := lookup(c.DNSAddr, "hello.default.svc.cluster.local", dns.TypeA); err != nil || rcode != dns.RcodeNameError {
			return fmt.Errorf("deleted Service: rcode %s, %v", dns.RcodeToString[rcode], err)
		}
		return nil
	})
	// CoreDNS's own health and readiness endpoints.
	for _, u := range []string{"http://" + health + "/health", "http://" + ready + "/ready"} {
		eventstest.Eventually(t, 30*time.Second, func() error {
			res, err := http.Get(u)
			if err != nil {
				return err
			}
			res.Body.Close()
			if res.StatusCode != http.StatusOK {
				return fmt.Errorf("%s: %s", u, res.Status)
			}
			return nil
		})
	}
	out := kubectl(t, c, "get", "svc", "-A")
	for _, want := range []string{"kubernetes", "kube-dns"} {
		if !strings.Contains(out, want) {
			t.Fatalf("kubectl get svc -A lacks %s:\n%s", want, out)
		}
	}
	_, port, _ := net.SplitHostPort(c.DNSAddr)
	if got := kubectl(t, c, "get", "endpoints", "-n", "kube-system", "kube-dns", "-o", "jsonpath={.subsets[0].addresses[0].ip}:{.subsets[0].ports[0].port}"); got != "127.0.0.1:"+port {
		t.Fatalf("kube-dns endpoints: %q, want the server at %s", got, c.DNSAddr)
	}
}
