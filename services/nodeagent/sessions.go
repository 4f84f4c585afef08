package nodeagent

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"strings"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/sirupsen/logrus"
	corev1 "k8s.io/api/core/v1"
)

// serveSessions runs the control plane's sessions on this node's pods
// (kubectl exec) through the runtime, until ctx ends.
func (a *agent) serveSessions(ctx context.Context) {
	rt, ok := a.cfg.Runtime.(runtime.StreamExecer)
	if !ok {
		return // the hollow runtime runs nothing to enter
	}
	err := a.cfg.Log.ServeSessions(ctx, a.cfg.NodeName, func(req events.SessionRequest) error {
		if req.Kind == events.SessionPortForward {
			_, err := a.sessionPod(req)
			return err
		}
		_, err := a.sessionContainer(req)
		return err
	}, func(ctx context.Context, s *natslog.Session) {
		if s.Req.Kind == events.SessionPortForward {
			a.runPortForward(ctx, s)
			return
		}
		a.runSession(ctx, rt, s)
	})
	if err != nil && ctx.Err() == nil {
		a.log.WithError(err).Error("sessions stopped")
	}
}

// sessionPod is the pod a session asks for, which must be bound here.
func (a *agent) sessionPod(req events.SessionRequest) (*corev1.Pod, error) {
	var pod *corev1.Pod
	if e := a.proj.State().Live("pods", req.Namespace, req.Pod); e != nil {
		pod, _ = e.Object.(*corev1.Pod)
	}
	if pod == nil || pod.Spec.NodeName != a.cfg.NodeName || (req.PodUID != "" && string(pod.UID) != req.PodUID) {
		return nil, fmt.Errorf("pod %s/%s is not on node %s", req.Namespace, req.Pod, a.cfg.NodeName)
	}
	return pod, nil
}

// sessionContainer is the running container a session asks for: the pod
// must be bound here, and the container running.
func (a *agent) sessionContainer(req events.SessionRequest) (runtime.ContainerID, error) {
	switch req.Kind {
	case events.SessionExec:
	case events.SessionAttach:
		if _, ok := a.cfg.Runtime.(runtime.StreamAttacher); !ok {
			return "", fmt.Errorf("the %s runtime cannot attach to a container", a.cfg.Runtime.Name())
		}
	default:
		return "", fmt.Errorf("session kind %q is not served", req.Kind)
	}
	pod, err := a.sessionPod(req)
	if err != nil {
		return "", err
	}
	for _, cs := range pod.Status.ContainerStatuses {
		if cs.Name != req.Container {
			continue
		}
		if cs.State.Running == nil {
			return "", fmt.Errorf("container %s is not running", req.Container)
		}
		id, ok := strings.CutPrefix(cs.ContainerID, a.cfg.Runtime.Name()+"://")
		if !ok {
			return "", fmt.Errorf("container %s has no %s container", req.Container, a.cfg.Runtime.Name())
		}
		return runtime.ContainerID(id), nil
	}
	return "", fmt.Errorf("container %s not found in pod %s", req.Container, req.Pod)
}

// runSession runs one exec or attach session and ends it with the result.
func (a *agent) runSession(ctx context.Context, rt runtime.StreamExecer, s *natslog.Session) {
	req := s.Req
	log := a.log.WithFields(logrus.Fields{"key": req.Namespace + "/" + req.Pod, "container": req.Container,
		"session": req.ID, "user": req.User})
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	go func() { // the control plane's client went away: stop the command
		select {
		case <-s.Ended():
		case <-s.PeerEnded():
		case <-ctx.Done():
		}
		cancel()
	}()
	id, err := a.sessionContainer(req)
	if err != nil {
		_ = s.End(&events.SessionResult{Error: err.Error()})
		return
	}
	sio := runtime.ExecIO{TTY: req.TTY}
	if req.Stdin {
		sio.Stdin = s.Reader(natslog.ChanStdin)
	}
	if req.Stdout {
		sio.Stdout = s.Writer(natslog.ChanStdout)
	}
	if req.Stderr && !req.TTY {
		sio.Stderr = s.Writer(natslog.ChanStderr)
	}
	if req.TTY {
		sizes := make(chan runtime.TerminalSize, 4)
		sio.Resize = sizes
		go func() {
			defer close(sizes)
			sc := bufio.NewScanner(s.Reader(natslog.ChanResize))
			for sc.Scan() {
				var size runtime.TerminalSize
				if json.Unmarshal(sc.Bytes(), &size) == nil {
					select {
					case sizes <- size:
					case <-ctx.Done():
						return
					}
				}
			}
		}()
	}
	var code int
	if req.Kind == events.SessionAttach {
		log.Info("attach")
		err = a.cfg.Runtime.(runtime.StreamAttacher).AttachStream(ctx, id, sio)
	} else {
		log.WithField("command", req.Command).Info("exec")
		code, err = rt.ExecStream(ctx, id, req.Command, sio)
	}
	res := &events.SessionResult{ExitCode: code, Exited: err == nil}
	if err != nil {
		res.Error = err.Error()
	}
	for _, ch := range []byte{natslog.ChanStdout, natslog.ChanStderr} {
		_ = s.CloseWrite(ch)
	}
	if err := s.End(res); err != nil && !errors.Is(err, context.Canceled) {
		log.WithError(err).Debug("session ended without the control plane")
	}
	log.WithFields(logrus.Fields{"exitCode": code, "error": res.Error}).Info(string(req.Kind) + " ended")
}

// runPortForward connects one forwarded connection to the pod's port on
// its address (the agent runs beside the pod's network) and copies both
// ways until either side ends.
func (a *agent) runPortForward(ctx context.Context, s *natslog.Session) {
	req := s.Req
	pod, err := a.sessionPod(req)
	if err == nil && pod.Status.PodIP == "" {
		err = fmt.Errorf("pod %s has no address yet", req.Pod)
	}
	if err != nil {
		_ = s.End(&events.SessionResult{Error: err.Error()})
		return
	}
	addr := net.JoinHostPort(pod.Status.PodIP, strconv.Itoa(int(req.Port)))
	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", addr)
	if err != nil {
		_ = s.End(&events.SessionResult{Error: fmt.Sprintf("error forwarding port %d to pod %s: %v", req.Port, req.Pod, err)})
		return
	}
	defer conn.Close()
	go func() {
		select {
		case <-s.Ended():
		case <-s.PeerEnded():
		case <-ctx.Done():
		}
		conn.Close()
	}()
	go func() {
		_, _ = io.Copy(conn, s.Reader(natslog.ChanData))
		if tc, ok := conn.(*net.TCPConn); ok {
			_ = tc.CloseWrite()
		}
	}()
	_, _ = io.Copy(s.Writer(natslog.ChanData), conn)
	_ = s.CloseWrite(natslog.ChanData)
	_ = s.End(&events.SessionResult{Exited: true})
}
