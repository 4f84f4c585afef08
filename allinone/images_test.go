package allinone_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
)

// A missing image reads as in Kubernetes: ErrImagePull, then
// ImagePullBackOff, with the image named and the kubelet's events; under
// imagePullPolicy Never it is ErrImageNeverPull.
func TestMissingImageIsErrImagePullThenBackOff(t *testing.T) {
	t.Parallel()
	c := startCluster(t, t.TempDir())
	kubectl(t, c, "run", "bad", "--image=jetplane/hello:1.200")
	kubectl(t, c, "run", "never", "--image=jetplane/hello:1.200", "--image-pull-policy=Never")
	waiting := func(pod string, reasons ...string) {
		t.Helper()
		for _, reason := range reasons {
			eventstest.Eventually(t, 60*time.Second, func() error {
				var p corev1.Pod
				getJSON(t, c, &p, "pod", pod)
				if len(p.Status.ContainerStatuses) != 1 || p.Status.ContainerStatuses[0].State.Waiting == nil ||
					p.Status.ContainerStatuses[0].State.Waiting.Reason != reason {
					return fmt.Errorf("pod %s: %+v", pod, p.Status.ContainerStatuses)
				}
				if w := p.Status.ContainerStatuses[0].State.Waiting; !strings.Contains(w.Message, `"jetplane/hello:1.200"`) {
					return fmt.Errorf("pod %s: message %q does not name the image", pod, w.Message)
				}
				return nil
			})
		}
	}
	waiting("bad", "ErrImagePull", "ImagePullBackOff")
	waiting("never", "ErrImageNeverPull")
	if out := kubectl(t, c, "get", "pod", "bad"); !strings.Contains(out, "ImagePullBackOff") && !strings.Contains(out, "ErrImagePull") {
		t.Fatalf("kubectl get pod bad:\n%s", out)
	}
	eventstest.Eventually(t, 30*time.Second, func() error {
		out := kubectl(t, c, "describe", "pod", "bad")
		for _, want := range []string{`Back-off pulling image "jetplane/hello:1.200"`, "Error: ErrImagePull", `Failed to pull image "jetplane/hello:1.200"`} {
			if !strings.Contains(out, want) {
				return fmt.Errorf("describe lacks %q:\n%s", want, out)
			}
		}
		return nil
	})
}
