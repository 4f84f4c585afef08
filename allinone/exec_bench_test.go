package allinone_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/services/nodeagent/runtime/dockertest"
	"github.com/moby/moby/client"
	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/httpstream"
	"k8s.io/client-go/tools/clientcmd"
	"k8s.io/client-go/tools/portforward"
	"k8s.io/client-go/tools/remotecommand"
	"k8s.io/client-go/transport/spdy"
)

// BenchmarkIntoThePod measures, in one run, kubectl's ways into a pod
// (client-go's exec and port-forward over WebSocket, kubectl's default, and
// over SPDY, through the gateway, NATS and the node agent) beside the
// direct way (the engine's exec API, a TCP
// connection to the pod's address): exec round trips of `true`, and
// port-forward throughput echoing 8 MiB through `nc -e cat`.
func BenchmarkIntoThePod(b *testing.B) {
	cli := dockertest.Engine(b)
	dockertest.Toolbox(b)
	node := dockertest.NodeName(b)
	dockertest.RemoveNodeContainers(b, cli, node)
	c, err := allinone.Start(context.Background(), allinone.Options{DataDir: b.TempDir(), GatewayAddr: "127.0.0.1:0",
		NATSPort: -1, Runtime: "docker", NodeName: node, IngressAddr: "-"})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { _ = c.Stop() })
	kubectl(b, c, "run", "echo", "--image=jetplane/toolbox:1", "--image-pull-policy=Never", "--", "nc", "-ll", "-p", "9000", "-e", "cat")
	var pod corev1.Pod
	eventstest.Eventually(b, 60*time.Second, func() error {
		getJSON(b, c, &pod, "pod", "echo")
		if !isReady(&pod) {
			return fmt.Errorf("echo is %s", pod.Status.Phase)
		}
		return nil
	})
	cfg, err := clientcmd.BuildConfigFromFlags("", c.Kubeconfig)
	if err != nil {
		b.Fatal(err)
	}
	podURL, _ := url.Parse(c.GatewayURL + "/api/v1/namespaces/default/pods/echo")
	ctx := context.Background()

	execURL := *podURL
	execURL.Path += "/exec"
	execURL.RawQuery = "command=true&stdout=true&stderr=true"
	for _, exec := range []struct {
		name string
		new  func() (remotecommand.Executor, error)
	}{
		{"exec/jetplane-websocket", func() (remotecommand.Executor, error) {
			return remotecommand.NewWebSocketExecutor(cfg, "GET", execURL.String())
		}},
		{"exec/jetplane-spdy", func() (remotecommand.Executor, error) { return remotecommand.NewSPDYExecutor(cfg, "POST", &execURL) }},
	} {
		b.Run(exec.name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				ex, err := exec.new()
				if err != nil {
					b.Fatal(err)
				}
				if err := ex.StreamWithContext(ctx, remotecommand.StreamOptions{Stdout: io.Discard, Stderr: io.Discard}); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
	id := strings.TrimPrefix(pod.Status.ContainerStatuses[0].ContainerID, "docker://")
	b.Run("exec/engine", func(b *testing.B) {
		for i := 0; i < b.N; i++ {
			ex, err := cli.ExecCreate(ctx, id, client.ExecCreateOptions{Cmd: []string{"true"}, AttachStdout: true, AttachStderr: true})
			if err != nil {
				b.Fatal(err)
			}
			att, err := cli.ExecAttach(ctx, ex.ID, client.ExecAttachOptions{})
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, att.Reader)
			att.Close()
		}
	})

	payload := bytes.Repeat([]byte("0123456789abcdef"), 1<<19) // 8 MiB
	echo := func(b *testing.B, addr string) {
		b.SetBytes(int64(len(payload)))
		for i := 0; i < b.N; i++ {
			conn, err := net.Dial("tcp", addr)
			if err != nil {
				b.Fatal(err)
			}
			go func() {
				_, _ = conn.Write(payload)
				_ = conn.(*net.TCPConn).CloseWrite()
			}()
			n, err := io.Copy(io.Discard, conn)
			conn.Close()
			if err != nil || n != int64(len(payload)) {
				b.Fatalf("echoed %d of %d bytes: %v", n, len(payload), err)
			}
		}
	}
	pfURL := *podURL
	pfURL.Path += "/portforward"
	for _, dial := range []struct {
		name string
		new  func() (httpstream.Dialer, error)
	}{
		{"portforward/jetplane-websocket", func() (httpstream.Dialer, error) { return portforward.NewSPDYOverWebsocketDialer(&pfURL, cfg) }},
		{"portforward/jetplane-spdy", func() (httpstream.Dialer, error) {
			rt, upgrader, err := spdy.RoundTripperFor(cfg)
			return spdy.NewDialer(upgrader, &http.Client{Transport: rt}, "POST", &pfURL), err
		}},
	} {
		b.Run(dial.name, func(b *testing.B) {
			dialer, err := dial.new()
			if err != nil {
				b.Fatal(err)
			}
			stop, ready := make(chan struct{}), make(chan struct{})
			defer close(stop)
			pf, err := portforward.New(dialer, []string{"0:9000"}, stop, ready, io.Discard, io.Discard)
			if err != nil {
				b.Fatal(err)
			}
			go func() { _ = pf.ForwardPorts() }()
			<-ready
			ports, err := pf.GetPorts()
			if err != nil {
				b.Fatal(err)
			}
			echo(b, fmt.Sprintf("127.0.0.1:%d", ports[0].Local))
		})
	}
	b.Run("portforward/direct", func(b *testing.B) { echo(b, net.JoinHostPort(pod.Status.PodIP, "9000")) })
}
