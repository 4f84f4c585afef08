package placement

import (
	"fmt"
	"testing"
)

// BenchmarkSchedule is one placement decision (filters and scores over
// every node) for a pod of a ReplicaSet on 1,000 nodes already holding
// 10 pods each.
func BenchmarkSchedule(b *testing.B) {
	var nodes []*NodeInfo
	for i := range 1000 {
		n := info(node(fmt.Sprintf("n%04d", i), alloc("32", "128Gi", "110")))
		for j := range 10 {
			n.AddPod(Bind(pod(fmt.Sprintf("p%d-%d", i, j), ownedBy(fmt.Sprintf("rs%d", j)), requests("100m", "128Mi")), n.Name(), timeZero))
		}
		nodes = append(nodes, n)
	}
	p := pod("new", ownedBy("rs3"), requests("100m", "128Mi"))
	for b.Loop() {
		if _, err := Schedule(p, nodes); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "decisions/s")
}
