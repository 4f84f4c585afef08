package chaos

import (
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"k8s.io/apimachinery/pkg/apis/meta/v1/unstructured"
)

func TestParseFault(t *testing.T) {
	cases := []struct {
		in   string
		want Fault
		err  bool
	}{
		{"kill:nats-1", Fault{"kill", "nats-1", 0}, false},
		{"pause:leader/scheduler@20s", Fault{"pause", "leader/scheduler", 20 * time.Second}, false},
		{"partition:host-3@1m", Fault{"partition", "host-3", time.Minute}, false},
		{"explode:nats-1", Fault{}, true},
		{"kill", Fault{}, true},
		{"kill:nats-1@soon", Fault{}, true},
		{"kill:nats-1@-1s", Fault{}, true},
	}
	for _, c := range cases {
		got, err := ParseFault(c.in)
		if (err != nil) != c.err || got != c.want {
			t.Errorf("ParseFault(%q) = %+v, %v; want %+v, error %v", c.in, got, err, c.want, c.err)
		}
	}
	for _, s := range DefaultFaults {
		if _, err := ParseFault(s); err != nil {
			t.Errorf("default fault: %v", err)
		}
	}
}

// What the API serves (resourceVersion, kind and apiVersion added) has the
// digest of what the log stores.
func TestDigestIgnoresWhatTheAPIAdds(t *testing.T) {
	stored := `{"metadata":{"name":"c","namespace":"chaos","uid":"u"},"data":{"value":"3"}}`
	ev := &events.Event{Resource: "configmaps", Namespace: "chaos", Name: "c", Type: "dev.jetplane.configmap.updated", Seq: 7, Data: []byte(stored)}
	v, err := versionOf(ev)
	if err != nil {
		t.Fatal(err)
	}
	served := map[string]any{"apiVersion": "v1", "kind": "ConfigMap", "data": map[string]any{"value": "3"},
		"metadata": map[string]any{"name": "c", "namespace": "chaos", "uid": "u", "resourceVersion": "7"}}
	if d := digestOf(served); d != v.Digest {
		t.Fatalf("served digest %s, stored %s", d, v.Digest)
	}
	if k := keyOf(&unstructured.Unstructured{Object: served}); k != v.Key {
		t.Fatalf("served key %v, stored %v", k, v.Key)
	}
	served["data"] = map[string]any{"value": "4"}
	if digestOf(served) == v.Digest {
		t.Fatal("other content, same digest")
	}
	if v.Counter != 3 || v.RV != 7 {
		t.Fatalf("version %+v", v)
	}
}

func TestMaxSurge(t *testing.T) {
	cases := []struct {
		strategy map[string]any
		replicas int
		want     int
	}{
		{nil, 6, 2}, // 25% of 6, rounded up
		{map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxSurge": int64(1)}}, 6, 1},
		{map[string]any{"type": "RollingUpdate", "rollingUpdate": map[string]any{"maxSurge": "50%"}}, 3, 2},
		{map[string]any{"type": "Recreate"}, 6, 0},
	}
	for _, c := range cases {
		obj := map[string]any{"spec": map[string]any{}}
		if c.strategy != nil {
			obj["spec"].(map[string]any)["strategy"] = c.strategy
		}
		if got := maxSurge(obj, c.replicas); got != c.want {
			t.Errorf("maxSurge(%v, %d) = %d, want %d", c.strategy, c.replicas, got, c.want)
		}
	}
}
