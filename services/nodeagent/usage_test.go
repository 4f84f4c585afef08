package nodeagent

import (
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
)

func TestUsageRate(t *testing.T) {
	t0 := time.Date(2026, 12, 3, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration, cpu time.Duration, mem uint64) usageSample {
		return usageSample{at: t0.Add(d), u: runtime.CumulativeUsage{CPU: cpu, MemoryBytes: mem}}
	}
	for _, tt := range []struct {
		name      string
		prev, cur usageSample
		want      events.Usage
		ok        bool
	}{
		{"a quarter core", at(0, time.Second, 1), at(4*time.Second, 2*time.Second, 100), events.Usage{NanoCores: 250_000_000, MemoryBytes: 100}, true},
		{"idle", at(0, time.Second, 1), at(15*time.Second, time.Second, 7), events.Usage{MemoryBytes: 7}, true},
		{"two cores", at(0, 0, 0), at(time.Second, 2*time.Second, 0), events.Usage{NanoCores: 2_000_000_000}, true},
		{"no window", at(time.Second, 0, 0), at(time.Second, time.Second, 0), events.Usage{}, false},
		{"counter went back (restarted)", at(0, 5*time.Second, 0), at(time.Second, time.Second, 0), events.Usage{}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := usageRate(tt.prev, tt.cur)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("got %+v %v, want %+v %v", got, ok, tt.want, tt.ok)
			}
		})
	}
}
