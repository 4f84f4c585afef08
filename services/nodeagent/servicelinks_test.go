package nodeagent

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// A container starts with the variables of the Services that exist when
// it starts (its namespace's), as the kubelet gives them; its own win.
func TestContainersGetServiceVariables(t *testing.T) {
	t.Parallel()
	l := eventstest.Log(t)
	rt, err := runtime.NewHollow(runtime.HollowConfig{PodCIDR: "10.250.1.0/24"})
	if err != nil {
		t.Fatal(err)
	}
	startAgentOn(t, l, rt, nil)
	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Name: "hello", Namespace: "default"},
		Spec: corev1.ServiceSpec{ClusterIP: "10.96.0.12", Ports: []corev1.ServicePort{{Name: "http", Port: 8080}}}}
	if _, err := l.Write(context.Background(), testOrigin, events.Write{Resource: events.MustLookup("services"), Change: events.Created, Object: svc}); err != nil {
		t.Fatal(err)
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "client", Namespace: "default"},
		Spec: corev1.PodSpec{NodeName: node, Containers: []corev1.Container{{Name: "c", Image: "jetplane/hello:1",
			Env: []corev1.EnvVar{{Name: "HELLO_SERVICE_PORT", Value: "mine"}}}}}}
	events.PrepareCreate(pod, time.Now())
	if _, err := l.Write(context.Background(), testOrigin, events.Write{Resource: events.MustLookup("pods"), Change: events.Created, Object: pod}); err != nil {
		t.Fatal(err)
	}
	var env map[string]string
	eventstest.Eventually(t, 10*time.Second, func() error {
		cs, err := rt.ListPod(context.Background(), "default", "client")
		if err != nil || len(cs) == 0 {
			return fmt.Errorf("no container yet: %v", err)
		}
		env = map[string]string{}
		for _, e := range cs[0].Spec.Env {
			env[e.Name] = e.Value
		}
		return nil
	})
	if env["HELLO_SERVICE_HOST"] != "10.96.0.12" || env["HELLO_SERVICE_PORT_HTTP"] != "8080" ||
		env["HELLO_PORT"] != "tcp://10.96.0.12:8080" || env["HELLO_SERVICE_PORT"] != "mine" {
		t.Fatalf("env %v", env)
	}
}
