package routing

import (
	"sort"
	"sync"
	"time"

	corev1 "k8s.io/api/core/v1"
)

// Affinity is sessionAffinity ClientIP: a client keeps its backend while it
// keeps coming within Timeout.
type Affinity struct{ Timeout time.Duration }

// DefaultAffinityTimeout is Kubernetes' default (3 hours).
const DefaultAffinityTimeout = 10800 * time.Second

// AffinityOf is a Service's session affinity, nil for None.
func AffinityOf(svc *corev1.Service) *Affinity {
	if svc.Spec.SessionAffinity != corev1.ServiceAffinityClientIP {
		return nil
	}
	a := &Affinity{Timeout: DefaultAffinityTimeout}
	if c := svc.Spec.SessionAffinityConfig; c != nil && c.ClientIP != nil && c.ClientIP.TimeoutSeconds != nil {
		a.Timeout = time.Duration(*c.ClientIP.TimeoutSeconds) * time.Second
	}
	return a
}

func sortedServices(svcs []*corev1.Service) []*corev1.Service {
	out := append([]*corev1.Service(nil), svcs...)
	sort.Slice(out, func(i, j int) bool {
		if out[i].Namespace != out[j].Namespace {
			return out[i].Namespace < out[j].Namespace
		}
		return out[i].Name < out[j].Name
	})
	return out
}

// Balancer picks backends for one service port: round robin, or the
// client's previous backend under ClientIP affinity while it is still a
// target and the client came back within the timeout. Safe for concurrent use.
type Balancer struct {
	mu     sync.Mutex
	next   int
	pinned map[string]pin // client IP → backend
}

type pin struct {
	target string
	last   time.Time
}

// Pick chooses among targets for a client at now ("" when there are none).
func (b *Balancer) Pick(targets []string, client string, affinity *Affinity, now time.Time) string {
	if len(targets) == 0 {
		return ""
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if affinity != nil {
		if p, ok := b.pinned[client]; ok && now.Sub(p.last) <= affinity.Timeout && contains(targets, p.target) {
			b.pinned[client] = pin{p.target, now}
			return p.target
		}
	}
	t := targets[b.next%len(targets)]
	b.next++
	if affinity != nil {
		if b.pinned == nil {
			b.pinned = map[string]pin{}
		}
		b.pinned[client] = pin{t, now}
	}
	return t
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
