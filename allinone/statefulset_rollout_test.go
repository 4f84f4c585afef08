package allinone_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
)

const helloSet = `apiVersion: apps/v1
kind: StatefulSet
metadata: {name: web}
spec:
  serviceName: web
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec:
      containers: [{name: app, image: "jetplane/hello:1"}]
`

// kubectl rollout status, history and undo of a StatefulSet: revisions
// derived from its history in the log; kubectl scale through the scale
// subresource.
func TestProcessStatefulSetRollout(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	kubectlIn(t, c, helloSet, "apply", "-f", "-")
	rollout := func() {
		t.Helper()
		if out, errOut, code := kubectlRun(t, c, "", "rollout", "status", "statefulset/web", "--timeout=50s"); code != 0 {
			t.Fatalf("rollout status: %s %s", out, errOut)
		}
	}
	rollout()
	if out := kubectl(t, c, "get", "sts", "web", "--no-headers"); !strings.HasPrefix(out, "web   2/2") {
		t.Fatalf("kubectl get sts: %q", out)
	}
	kubectl(t, c, "set", "image", "statefulset/web", "app=jetplane/hello:2")
	rollout()
	images := func() string {
		var list corev1.PodList
		getJSON(t, c, &list, "pods", "-l", "app=web")
		var out []string
		for _, p := range list.Items {
			out = append(out, p.Name+"="+p.Spec.Containers[0].Image)
		}
		return strings.Join(out, " ")
	}
	if got := images(); got != "web-0=jetplane/hello:2 web-1=jetplane/hello:2" {
		t.Fatalf("after the update: %s", got)
	}
	if out := kubectl(t, c, "rollout", "history", "statefulset/web"); !strings.Contains(out, "1         <none>") || !strings.Contains(out, "2         <none>") {
		t.Fatalf("history:\n%s", out)
	}
	kubectl(t, c, "rollout", "undo", "statefulset/web", "--to-revision=1")
	rollout()
	eventstest.Eventually(t, 60*time.Second, func() error {
		if got := images(); got != "web-0=jetplane/hello:1 web-1=jetplane/hello:1" {
			return fmt.Errorf("after the undo: %s", got)
		}
		return nil
	})
	if out := kubectl(t, c, "rollout", "history", "statefulset/web"); !strings.Contains(out, "3         <none>") || strings.Contains(out, "1         <none>") {
		t.Fatalf("history after the undo (revision 1 is now 3):\n%s", out)
	}
	kubectl(t, c, "scale", "statefulset/web", "--replicas=3")
	rollout()
	if got := images(); !strings.Contains(got, "web-2=jetplane/hello:1") {
		t.Fatalf("after the scale: %s", got)
	}
}
