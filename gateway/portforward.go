package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	"k8s.io/cri-streaming/pkg/streaming/portforward"
)

// podPortForward serves GET or POST .../pods/{name}/portforward: the
// kubelet's port-forward server (SPDY, and WebSocket tunnelling), each
// forwarded connection one NATS session with the pod's node agent, which
// connects to the pod's port.
func (s *Server) podPortForward(w http.ResponseWriter, r *http.Request, t target) {
	if r.Method != http.MethodGet && r.Method != http.MethodPost {
		writeError(w, apierrors.NewMethodNotSupported(t.res.GroupResource(), "portforward"))
		return
	}
	e := s.proj.State().Live("pods", t.namespace, t.name)
	if e == nil {
		writeError(w, apierrors.NewNotFound(corev1.Resource("pods"), t.name))
		return
	}
	pod := e.Object.(*corev1.Pod)
	if pod.Spec.NodeName == "" {
		writeError(w, apierrors.NewBadRequest(fmt.Sprintf("pod %s does not have a host assigned", pod.Name)))
		return
	}
	if pod.Status.Phase != corev1.PodRunning {
		writeError(w, apierrors.NewBadRequest(fmt.Sprintf("pod %s is not running: %s", pod.Name, pod.Status.Phase)))
		return
	}
	if err := s.nodeReachable(pod.Spec.NodeName); err != nil {
		writeError(w, err)
		return
	}
	f := &sessionForwarder{log: s.log, node: pod.Spec.NodeName, namespace: pod.Namespace, user: userOf(r.Context()), impersonator: impersonatorOf(r.Context()),
		instance: s.cfg.Instance, transport: transportSPDY}
	// The ports come in the query for WebSocket v4, in each stream's
	// headers for SPDY, tunnelled or not.
	opts := &portforward.V4Options{}
	switch {
	case wsstream.IsWebSocketRequestWithTunnelingProtocol(r):
		w, r = tunnelledPortForward(w, r)
		f.transport = transportWebSocket
	case wsstream.IsWebSocketRequest(r):
		var err error
		if opts, err = portforward.NewV4Options(r); err != nil {
			writeError(w, apierrors.NewBadRequest(err.Error()))
			return
		}
		f.transport = transportWebSocket
	}
	portforward.ServePortForward(w, r, f, pod.Name, string(pod.UID), opts, execIdleTimeout, execStreamCreationTimeout,
		portforward.SupportedProtocols)
}

// sessionForwarder carries one forwarded connection through a session.
type sessionForwarder struct {
	log       *natslog.Log
	node      string
	namespace string
	user      string
	// impersonator is the real user behind user, if any.
	impersonator string
	instance     string
	// transport is the client's: websocket or spdy.
	transport string
}

var _ portforward.PortForwarder = (*sessionForwarder)(nil)

func (f *sessionForwarder) PortForward(ctx context.Context, name string, uid string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	rec := events.PodSessionRecord{Kind: events.SessionPortForward, Namespace: f.namespace, Pod: name, PodUID: uid,
		Node: f.node, Port: port, Transport: f.transport, User: f.user, Impersonator: f.impersonator, Start: time.Now()}
	sent := &byteCounter{r: stream}
	res, got, err := f.forward(ctx, rec, sent, stream)
	sessionOutcome(&rec, res, err)
	rec.BytesIn, rec.BytesOut = sent.n.Load(), got
	recordSession(f.log, f.instance, rec)
	if err != nil {
		return err
	}
	if res != nil && res.Error != "" {
		return errors.New(res.Error)
	}
	return nil
}

// forward copies one connection both ways through a session and returns
// the agent's result and the bytes that came from the pod.
func (f *sessionForwarder) forward(ctx context.Context, rec events.PodSessionRecord, in io.Reader, out io.Writer) (*events.SessionResult, int64, error) {
	s, err := f.log.OpenSession(ctx, f.node, events.SessionRequest{Kind: events.SessionPortForward, Namespace: rec.Namespace,
		Pod: rec.Pod, PodUID: rec.PodUID, Port: rec.Port, User: rec.User})
	if err != nil {
		return nil, 0, err
	}
	defer s.Abort(nil)
	stop := context.AfterFunc(ctx, func() { _ = s.End(nil) })
	defer stop()
	go func() { // ends when the connection closes (PortForward's defer)
		_, _ = io.Copy(s.Writer(natslog.ChanData), in)
		_ = s.CloseWrite(natslog.ChanData)
	}()
	n, _ := io.Copy(out, s.Reader(natslog.ChanData))
	res, err := s.Wait(ctx)
	return res, n, err
}
