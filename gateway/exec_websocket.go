package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	"github.com/jetplane/jetplane/events"
	"github.com/sirupsen/logrus"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/util/httpstream/wsstream"
	"k8s.io/cri-streaming/pkg/streaming/remotecommand"
	utilexec "k8s.io/utils/exec"
)

// kubectl ≥ 1.30 enters a pod over WebSocket with the v5 remotecommand
// protocol: v4's channels plus a close signal (channel 255), by which the
// client half-closes stdin. The kubelet's server stops at v4, and
// kube-apiserver translates v5 for it; Jetplane speaks v5 itself, with
// apimachinery's WebSocket channel framing (wsstream).

// The transports a session record names.
const (
	transportWebSocket = "websocket"
	transportSPDY      = "spdy"
)

// The remotecommand channels, numbered as Kubernetes numbers them.
const (
	wsStdin = iota
	wsStdout
	wsStderr
	wsError
	wsResize
)

// serveWebSocketV5 runs one exec or attach over a v5 WebSocket.
func serveWebSocketV5(w http.ResponseWriter, r *http.Request, ex *sessionExecutor, kind events.SessionKind,
	pod, uid, container string, cmd []string) {
	o := ex.opts
	channels := []wsstream.ChannelType{wsstream.IgnoreChannel, wsstream.IgnoreChannel, wsstream.IgnoreChannel,
		wsstream.WriteChannel, wsstream.ReadChannel}
	if o.Stdin {
		channels[wsStdin] = wsstream.ReadChannel
	}
	if o.Stdout {
		channels[wsStdout] = wsstream.WriteChannel
	}
	if o.Stderr {
		channels[wsStderr] = wsstream.WriteChannel
	}
	conn := wsstream.NewConn(map[string]wsstream.ChannelProtocolConfig{
		remotecommand.StreamProtocolV5Name: {Binary: true, Channels: channels},
	})
	conn.SetIdleTimeout(execIdleTimeout)
	_, streams, err := conn.Open(w, r)
	if err != nil {
		logrus.WithFields(logrus.Fields{"service": "gateway", "key": ex.namespace + "/" + pod}).WithError(err).
			Warn("websocket upgrade failed")
		return
	}
	defer conn.Close()
	// An empty message on the lowest writable channel tells the client the
	// streams are open (as the kubelet does).
	switch {
	case o.Stdout:
		_, _ = streams[wsStdout].Write(nil)
	case o.Stderr:
		_, _ = streams[wsStderr].Write(nil)
	default:
		_, _ = streams[wsError].Write(nil)
	}
	var resize chan remotecommand.TerminalSize
	if o.TTY {
		resize = make(chan remotecommand.TerminalSize)
		go readResizes(r.Context(), streams[wsResize], resize)
	}
	ex.transport = transportWebSocket
	err = ex.enter(r.Context(), kind, pod, uid, container, cmd, streams[wsStdin], streams[wsStdout], streams[wsStderr], o.TTY, resize)
	status, _ := json.Marshal(execStatus(err))
	_, _ = streams[wsError].Write(status)
}

// readResizes passes the terminal sizes the client sends on, until its
// resize stream ends.
func readResizes(ctx context.Context, stream io.Reader, sizes chan<- remotecommand.TerminalSize) {
	defer close(sizes)
	dec := json.NewDecoder(stream)
	for {
		var size remotecommand.TerminalSize
		if err := dec.Decode(&size); err != nil {
			return
		}
		select {
		case sizes <- size:
		case <-ctx.Done():
			return
		}
	}
}

// execStatus is the Status a remotecommand v4/v5 client reads on the error
// channel at the end: success, the command's exit code, or why it failed.
func execStatus(err error) *metav1.Status {
	var exit utilexec.ExitError
	switch {
	case err == nil:
		return &metav1.Status{Status: metav1.StatusSuccess}
	case errors.As(err, &exit) && exit.Exited():
		return &metav1.Status{Status: metav1.StatusFailure, Reason: remotecommand.NonZeroExitCodeReason,
			Message: fmt.Sprintf("command terminated with non-zero exit code: %v", err),
			Details: &metav1.StatusDetails{Causes: []metav1.StatusCause{{Type: remotecommand.ExitCodeCauseType,
				Message: fmt.Sprintf("%d", exit.ExitStatus())}}}}
	default:
		return &metav1.Status{Status: metav1.StatusFailure, Reason: metav1.StatusReasonInternalError,
			Code: http.StatusInternalServerError, Message: fmt.Sprintf("Internal error occurred: error executing command in container: %v", err)}
	}
}
