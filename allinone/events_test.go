package allinone_test

import (
	"strings"
	"testing"
)

// TestKubectlShowsEventsDerivedFromTheLog: kubectl get events and
// kubectl describe show what the services did, from the log.
func TestKubectlShowsEventsDerivedFromTheLog(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	applyManifest(t, c, "../examples/hello.yaml")
	pods := waitHelloServing(t, c, 3)

	all := kubectl(t, c, "get", "events")
	for _, want := range []string{"LAST SEEN", "REASON", "ScalingReplicaSet", "deployment/hello",
		"SuccessfulCreate", "Scheduled", "Started", "pod/" + pods[0].Name} {
		if !strings.Contains(all, want) {
			t.Fatalf("kubectl get events lacks %q:\n%s", want, all)
		}
	}
	described := kubectl(t, c, "describe", "pod", pods[0].Name)
	for _, want := range []string{"Events:", "Scheduled", "default-scheduler", "Successfully assigned default/" + pods[0].Name + " to node-1",
		"Started", "Started container hello"} {
		if !strings.Contains(described, want) {
			t.Fatalf("kubectl describe pod lacks %q:\n%s", want, described)
		}
	}
	if d := kubectl(t, c, "describe", "deployment", "hello"); !strings.Contains(d, "Scaled up replica set hello-") {
		t.Fatalf("kubectl describe deployment:\n%s", d)
	}
}
