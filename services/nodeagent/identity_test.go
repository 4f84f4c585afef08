package nodeagent

import (
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	corev1 "k8s.io/api/core/v1"
)

// A pod runs as nobody unless it names a user: runAsUser and runAsGroup
// (the container's over the pod's) become its process's credentials, and
// it is root only when it asks for runAsUser: 0. An agent that is not root
// cannot switch users: there every pod runs as the agent, and this test
// asserts that instead.
func TestAgentRunsPodsAsTheirUser(t *testing.T) {
	l := eventstest.Log(t)
	startAgent(t, l)
	id := func(v int64) *int64 { return &v }
	for _, c := range []struct {
		name string
		sc   *corev1.PodSecurityContext
		csc  *corev1.SecurityContext
		want string // under a root agent
	}{
		{"default", nil, nil, "uid=65534 gid=65534"},
		// A user the host does not know has group 0, as in a container
		// runtime whose image's /etc/passwd lacks it.
		{"pod-user", &corev1.PodSecurityContext{RunAsUser: id(1234)}, nil, "uid=1234 gid=0"},
		{"container-wins", &corev1.PodSecurityContext{RunAsUser: id(1000), RunAsGroup: id(1000)},
			&corev1.SecurityContext{RunAsUser: id(1234), RunAsGroup: id(2000)}, "uid=1234 gid=2000"},
		{"root", &corev1.PodSecurityContext{RunAsUser: id(0)}, nil, "uid=0 gid=0"},
	} {
		want := c.want
		if os.Geteuid() != 0 {
			want = fmt.Sprintf("uid=%d gid=%d", os.Geteuid(), os.Getegid())
		}
		create(t, l, shPod(c.name, `echo "uid=$(id -u) gid=$(id -g)"`, policy(corev1.RestartPolicyNever), func(p *corev1.Pod) {
			p.Spec.SecurityContext = c.sc
			p.Spec.Containers[0].SecurityContext = c.csc
		}))
		waitPod(t, l, c.name, 20*time.Second, func(p *corev1.Pod, _ *events.Event) error {
			if p.Status.Phase != corev1.PodSucceeded {
				return fmt.Errorf("phase %s", p.Status.Phase)
			}
			return nil
		})
		eventstest.Eventually(t, 10*time.Second, func() error {
			if logLinesOf(t, l, c.name, "main", events.LogStdout, want) != 1 {
				return fmt.Errorf("pod %s: no log line %q", c.name, want)
			}
			return nil
		})
	}
}
