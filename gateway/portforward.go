package gateway

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
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
	opts, err := portforward.NewV4Options(r)
	if err != nil {
		writeError(w, apierrors.NewBadRequest(err.Error()))
		return
	}
	f := &sessionForwarder{log: s.log, node: pod.Spec.NodeName, namespace: pod.Namespace, user: userOf(r.Context())}
	portforward.ServePortForward(w, r, f, pod.Name, string(pod.UID), opts, execIdleTimeout, execStreamCreationTimeout,
		portforward.SupportedProtocols)
}

// sessionForwarder carries one forwarded connection through a session.
type sessionForwarder struct {
	log       *natslog.Log
	node      string
	namespace string
	user      string
}

var _ portforward.PortForwarder = (*sessionForwarder)(nil)

func (f *sessionForwarder) PortForward(ctx context.Context, name string, uid string, port int32, stream io.ReadWriteCloser) error {
	defer stream.Close()
	s, err := f.log.OpenSession(ctx, f.node, events.SessionRequest{Kind: events.SessionPortForward, Namespace: f.namespace,
		Pod: name, PodUID: uid, Port: port, User: f.user})
	if err != nil {
		return err
	}
	defer s.Abort(nil)
	stop := context.AfterFunc(ctx, func() { _ = s.End(nil) })
	defer stop()
	go func() { // ends when stream closes (deferred above)
		_, _ = io.Copy(s.Writer(natslog.ChanData), stream)
		_ = s.CloseWrite(natslog.ChanData)
	}()
	_, _ = io.Copy(stream, s.Reader(natslog.ChanData))
	res, err := s.Wait(ctx)
	if err != nil {
		return err
	}
	if res != nil && res.Error != "" {
		return errors.New(res.Error)
	}
	return nil
}
