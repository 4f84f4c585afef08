package changesummary

import (
	"encoding/json"
	"testing"
)

func obj(t *testing.T, s string) map[string]any {
	t.Helper()
	if s == "" {
		return nil
	}
	var m map[string]any
	if err := json.Unmarshal([]byte(s), &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestOf(t *testing.T) {
	dep := func(replicas, image, labels, status string) string {
		return `{"metadata":{"name":"web","resourceVersion":"7","labels":` + labels + `},"spec":{"replicas":` + replicas +
			`,"template":{"spec":{"containers":[{"name":"hello","image":"` + image + `"}]}}},"status":` + status + `}`
	}
	cases := []struct {
		name, prev, cur string
		want            Summary
	}{
		{"created", "", dep("3", "a:1", `{}`, `{}`), Summary{Text: "created"}},
		{"deleted", dep("3", "a:1", `{}`, `{}`), "", Summary{Text: "deleted"}},
		{"image", dep("3", "jetplane/hello:1", `{}`, `{}`), dep("3", "jetplane/hello:2", `{}`, `{}`),
			Summary{Text: "image hello: jetplane/hello:1 → jetplane/hello:2"}},
		{"replicas", dep("3", "a:1", `{}`, `{}`), dep("6", "a:1", `{}`, `{}`), Summary{Text: "replicas 3 → 6"}},
		{"label added, changed", dep("3", "a:1", `{"tier":"web"}`, `{}`), dep("3", "a:1", `{"tier":"db","app":"x"}`, `{}`),
			Summary{Text: "label app added; label tier: web → db"}},
		{"status only", dep("3", "a:1", `{}`, `{"readyReplicas":2}`), dep("3", "a:1", `{}`, `{"readyReplicas":3}`),
			Summary{Text: "status.readyReplicas: 2 → 3", StatusOnly: true}},
		{"other spec leaf", `{"spec":{"strategy":{"type":"Recreate"}}}`, `{"spec":{"strategy":{"type":"RollingUpdate"}}}`,
			Summary{Text: "spec.strategy.type: Recreate → RollingUpdate"}},
		{"deletion", `{"metadata":{"name":"p"}}`, `{"metadata":{"name":"p","deletionTimestamp":"2026-01-01T00:00:00Z"}}`,
			Summary{Text: "deletion requested"}},
		{"owner", `{"metadata":{}}`, `{"metadata":{"ownerReferences":[{"kind":"ReplicaSet","name":"web-1"}]}}`,
			Summary{Text: "owner ReplicaSet/web-1 added"}},
		{"data values are never shown", `{"data":{"password":"c2VjcmV0"}}`, `{"data":{"password":"b3RoZXI=","user":"eA=="}}`,
			Summary{Text: "data key password changed; data key user added"}},
		{"container env by name", `{"spec":{"containers":[{"name":"a","image":"x","env":[{"name":"MODE","value":"slow"}]}]}}`,
			`{"spec":{"containers":[{"name":"a","image":"x","env":[{"name":"MODE","value":"fast"}]}]}}`,
			Summary{Text: "spec.containers[a].env[MODE].value: slow → fast"}},
		{"many", `{"metadata":{"labels":{}}}`, `{"metadata":{"labels":{"a":"1","b":"1","c":"1","d":"1","e":"1"}}}`,
			Summary{Text: "label a added; label b added; label c added; label d added; +1 more"}},
		{"manager", `{"metadata":{"managedFields":[{"manager":"kubectl","operation":"Apply","time":"1"}]},"spec":{"replicas":1}}`,
			`{"metadata":{"managedFields":[{"manager":"kubectl","operation":"Apply","time":"1"},{"manager":"hpa","operation":"Update","time":"2"}]},"spec":{"replicas":2}}`,
			Summary{Text: "replicas 1 → 2", Manager: "hpa"}},
		{"bookkeeping only", `{"metadata":{"resourceVersion":"1"}}`, `{"metadata":{"resourceVersion":"2"}}`, Summary{StatusOnly: true}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := Of(obj(t, c.prev), obj(t, c.cur)); got != c.want {
				t.Fatalf("got %+v, want %+v", got, c.want)
			}
		})
	}
}
