package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/gateway/apis"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// Entering a pod (kubectl exec): the gateway never dials a node. It speaks
// Kubernetes' stream protocols to the client with the kubelet's own server
// code (k8s.io/cri-streaming: SPDY v1–v4, WebSocket v1–v4) and WebSocket v5
// (exec_websocket.go, kubectl's default), and carries each
// stream through a NATS session (natslog.Session) to the pod's node agent,
// which runs the command through its runtime.

const (
	execIdleTimeout           = 4 * time.Hour // the kubelet's streaming idle timeout
	execStreamCreationTimeout = remotecommand.DefaultStreamCreationTimeout
)

// podExec serves GET or POST /api/v1/namespaces/{ns}/pods/{name}/exec, and
// podAttach .../attach (the container's own streams).
func (s *Server) podExec(w http.ResponseWriter, r *http.Request, t target) {
	s.enterPod(w, r, t, events.SessionExec)
}

func (s *Server) podAttach(w http.ResponseWriter, r *http.Request, t target) {
	s.enterPod(w, r, t, events.SessionAttach)
}

func (s *Server) enterPod(w http.ResponseWriter, r *http.Request, t target, kind events.SessionKind) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeError(w, apierrors.NewMethodNotSupported(t.res.GroupResource(), string(kind)))
		return
	}
	parse := apis.ParseExecOptions
	if kind == events.SessionAttach {
		parse = apis.ParseAttachOptions
	}
	o, err := parse(r.URL.Query())
	if err != nil {
		writeError(w, err)
		return
	}
	pod, container, err := s.execTarget(t.namespace, t.name, o.Container, kind)
	if err != nil {
		writeError(w, err)
		return
	}
	opts := &remotecommand.Options{Stdin: o.Stdin, Stdout: o.Stdout, Stderr: o.Stderr, TTY: o.TTY}
	ex := &sessionExecutor{log: s.log, node: pod.Spec.NodeName, namespace: pod.Namespace, user: userOf(r.Context()), impersonator: impersonatorOf(r.Context()),
		instance: s.cfg.Instance, opts: o, transport: transportSPDY}
	if wsstream.IsWebSocketRequestWithStreamCloseProtocol(r) {
		serveWebSocketV5(w, r, ex, kind, pod.Name, string(pod.UID), container, o.Command)
		return
	}
	if wsstream.IsWebSocketRequest(r) {
		ex.transport = transportWebSocket
	}
	if kind == events.SessionAttach {
		remotecommand.ServeAttach(w, r, ex, pod.Name, string(pod.UID), container, opts,
			execIdleTimeout, execStreamCreationTimeout, remotecommand.SupportedStreamingProtocols)
		return
	}
	remotecommand.ServeExec(w, r, ex, pod.Name, string(pod.UID), container, o.Command, opts,
		execIdleTimeout, execStreamCreationTimeout, remotecommand.SupportedStreamingProtocols)
}

// execTarget is the pod and container a request enters, refused as
// kube-apiserver refuses them.
func (s *Server) execTarget(namespace, name, container string, kind events.SessionKind) (*corev1.Pod, string, error) {
	e := s.proj.State().Live("pods", namespace, name)
	if e == nil {
		return nil, "", apierrors.NewNotFound(corev1.Resource("pods"), name)
	}
	pod := e.Object.(*corev1.Pod)
	if container == "" {
		container = pod.Annotations["kubectl.kubernetes.io/default-container"]
	}
	if container == "" && len(pod.Spec.Containers) == 1 {
		container = pod.Spec.Containers[0].Name
	}
	if container == "" {
		var names []string
		for _, c := range pod.Spec.Containers {
			names = append(names, c.Name)
		}
		return nil, "", apierrors.NewBadRequest(fmt.Sprintf("a container name must be specified for pod %s, choose one of: %v", name, names))
	}
	found := false
	for _, c := range pod.Spec.Containers {
		found = found || c.Name == container
	}
	if !found {
		return nil, "", apierrors.NewBadRequest(fmt.Sprintf("container %s is not valid for pod %s", container, name))
	}
	if pod.Spec.NodeName == "" {
		return nil, "", apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", name))
	}
	if pod.Status.Phase == corev1.PodSucceeded || pod.Status.Phase == corev1.PodFailed {
		verb := "exec into"
		if kind == events.SessionAttach {
			verb = "attach"
		}
		return nil, "", apierrors.NewBadRequest(fmt.Sprintf("cannot %s a container in a completed pod; current phase is %s", verb, pod.Status.Phase))
	}
	if err := s.nodeReachable(pod.Spec.NodeName); err != nil {
		return nil, "", err
	}
	return pod, container, nil
}

// nodeReachable refuses, before any stream is upgraded, to enter a pod on a
// node that is gone or not Ready: its agent would not answer.
func (s *Server) nodeReachable(node string) error {
	e := s.proj.State().Live("nodes", "", node)
	if e == nil {
		return apierrors.NewServiceUnavailable(fmt.Sprintf("node %s is gone: its pods cannot be entered", node))
	}
	for _, c := range e.Object.(*corev1.Node).Status.Conditions {
		if c.Type == corev1.NodeReady && c.Status != corev1.ConditionTrue {
			return apierrors.NewServiceUnavailable(fmt.Sprintf("node %s is not ready (%s): its pods cannot be entered", node, c.Reason))
		}
	}
	return nil
}

// sessionExecutor runs a command through a session with the pod's agent.
type sessionExecutor struct {
	log       *natslog.Log
	node      string
	namespace string
	user      string
	// impersonator is the real user behind user, if any.
	impersonator string
	instance     string
	// opts are the streams the client asked for (the WebSocket server
	// hands over all of them whatever was asked).
	opts apis.ExecOptions
	// transport is the client's: websocket or spdy.
	transport string
}

var _ remotecommand.Executor = (*sessionExecutor)(nil)

func (e *sessionExecutor) ExecInContainer(ctx context.Context, name string, uid string, container string, cmd []string,
	in io.Reader, out, errOut io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize, _ time.Duration) error {
	return e.enter(ctx, events.SessionExec, name, uid, container, cmd, in, out, errOut, tty, resize)
}

var _ remotecommand.Attacher = (*sessionExecutor)(nil)

func (e *sessionExecutor) AttachContainer(ctx context.Context, name string, uid string, container string,
	in io.Reader, out, errOut io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	return e.enter(ctx, events.SessionAttach, name, uid, container, nil, in, out, errOut, tty, resize)
}

// enter runs one exec or attach session and records it.
func (e *sessionExecutor) enter(ctx context.Context, kind events.SessionKind, name, uid, container string, cmd []string,
	in io.Reader, out, errOut io.WriteCloser, tty bool, resize <-chan remotecommand.TerminalSize) error {
	rec := events.PodSessionRecord{Kind: kind, Namespace: e.namespace, Pod: name, PodUID: uid, Node: e.node,
		Container: container, Command: cmd, TTY: tty, Transport: e.transport, User: e.user, Impersonator: e.impersonator, Start: time.Now()}
	sent := &byteCounter{r: in}
	var got atomic.Int64
	if !e.opts.Stdin {
		in = nil
	}
	if !e.opts.Stdout {
		out = nil
	}
	if !e.opts.Stderr {
		errOut = nil
	}
	sent.r = in
	res, err := e.exec(ctx, rec, sent, &got, in != nil, out, errOut, resize)
	sessionOutcome(&rec, res, err)
	rec.BytesIn, rec.BytesOut = sent.n.Load(), got.Load()
	recordSession(e.log, e.instance, rec)
	switch {
	case err != nil:
		return err
	case res == nil:
		return errors.New(rec.Error)
	case !res.Exited:
		return errors.New(res.Error)
	case res.ExitCode != 0:
		return utilexec.CodeExitError{Err: fmt.Errorf("command terminated with exit code %d", res.ExitCode), Code: res.ExitCode}
	}
	return nil
}

// exec runs one session: stdin from sent, stdout and stderr to out and
// errOut (their bytes added to got), resizes passed on.
func (e *sessionExecutor) exec(ctx context.Context, rec events.PodSessionRecord, sent *byteCounter, got *atomic.Int64, stdin bool,
	out, errOut io.Writer, resize <-chan remotecommand.TerminalSize) (*events.SessionResult, error) {
	s, err := e.log.OpenSession(ctx, e.node, events.SessionRequest{Kind: rec.Kind, Namespace: rec.Namespace,
		Pod: rec.Pod, PodUID: rec.PodUID, Container: rec.Container, Command: rec.Command, Stdin: stdin, Stdout: out != nil,
		Stderr: errOut != nil, TTY: rec.TTY, User: rec.User})
	if err != nil {
		return nil, err
	}
	defer s.Abort(nil)
	stop := context.AfterFunc(ctx, func() { _ = s.End(nil) }) // the client went away: the agent stops the command
	defer stop()
	if stdin {
		go func() {
			_, _ = io.Copy(s.Writer(natslog.ChanStdin), sent)
			_ = s.CloseWrite(natslog.ChanStdin)
		}()
	}
	if resize != nil {
		go func() {
			for size := range resize {
				line, _ := json.Marshal(struct{ Width, Height uint16 }{size.Width, size.Height})
				if _, err := s.Write(natslog.ChanResize, append(line, '\n')); err != nil {
					return
				}
			}
		}()
	}
	var wg sync.WaitGroup
	for _, c := range []struct {
		ch byte
		w  io.Writer
	}{{natslog.ChanStdout, out}, {natslog.ChanStderr, errOut}} {
		if c.w == nil {
			continue
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			n, err := io.Copy(c.w, s.Reader(c.ch))
			got.Add(n)
			if err != nil {
				// The client is gone (a hijacked connection's request
				// context never says so): the agent stops the command.
				_ = s.End(nil)
			}
		}()
	}
	wg.Wait()
	return s.Wait(ctx)
}
