package serviceproxy_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/serviceproxy"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

func freePort(t *testing.T) int32 {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return int32(ln.Addr().(*net.TCPAddr).Port)
}

func TestNodePortForwardsToReadyEndpoints(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	l := eventstest.Log(t)
	origin := events.Origin{Source: "test", Actor: "tester"}
	backend := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprintf(w, "hello from the pod at %s", r.URL.Path)
	}))
	defer backend.Close()
	bport, _ := strconv.Atoi(backend.Listener.Addr().(*net.TCPAddr).AddrPort().String()[len("127.0.0.1:"):])
	nodePort := freePort(t)

	svc := &corev1.Service{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "hello"},
		Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Selector: map[string]string{"app": "hello"},
			Ports: []corev1.ServicePort{{Name: "http", Port: 8080, NodePort: nodePort, TargetPort: intstr.FromInt32(int32(bport))}}}}
	events.PrepareCreate(svc, time.Now())
	if _, err := l.Write(ctx, origin, events.Write{Resource: events.MustLookup("services"), Change: events.Created, Object: svc}); err != nil {
		t.Fatal(err)
	}
	ep := &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Namespace: "default", Name: "hello"},
		Subsets: []corev1.EndpointSubset{{Addresses: []corev1.EndpointAddress{{IP: "127.0.0.1"}},
			Ports: []corev1.EndpointPort{{Name: "http", Port: int32(bport)}}}}}
	events.PrepareCreate(ep, time.Now())
	epEv, err := l.Write(ctx, origin, events.Write{Resource: events.MustLookup("endpoints"), Change: events.Created, Object: ep})
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = serviceproxy.Run(ctx, serviceproxy.Config{Log: l, Node: "n1", Address: "127.0.0.1"}) }()

	url := fmt.Sprintf("http://127.0.0.1:%d/hi/you", nodePort)
	eventstest.Eventually(t, 10*time.Second, func() error {
		resp, err := http.Get(url)
		if err != nil {
			return err
		}
		defer resp.Body.Close()
		body, _ := io.ReadAll(resp.Body)
		if string(body) != "hello from the pod at /hi/you" {
			return fmt.Errorf("answer %q", body)
		}
		return nil
	})

	// No ready endpoint left: connections are closed, nothing answers.
	ep.Subsets = nil
	if _, err := l.Write(ctx, origin, events.Write{Resource: events.MustLookup("endpoints"), Change: events.Updated, Object: ep, Expected: epEv.Seq}); err != nil {
		t.Fatal(err)
	}
	eventstest.Eventually(t, 10*time.Second, func() error {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return fmt.Errorf("still answered %s", resp.Status)
		}
		return nil
	})
}
