package gateway

import (
	"bufio"
	"fmt"
	"net"
	"net/http"

	"github.com/gorilla/websocket"
	pfconstants "k8s.io/apimachinery/pkg/util/portforward"
	"k8s.io/client-go/tools/portforward"
)

// kubectl ≥ 1.31 port-forwards over WebSocket: the WebSocket carries a SPDY
// connection (subprotocol SPDY/3.1+portforward.k8s.io), which kubectl opens
// as soon as the WebSocket is up, with no HTTP upgrade inside. As
// kube-apiserver does, the gateway upgrades the WebSocket and hands the
// tunnel to the kubelet's SPDY port-forward server as the connection it
// hijacks; the 101 that server writes is the WebSocket's, so it is kept
// off the tunnel.

// tunnelledPortForward is the request and writer that make the SPDY server
// run over the WebSocket r asks for.
func tunnelledPortForward(w http.ResponseWriter, r *http.Request) (http.ResponseWriter, *http.Request) {
	spdyReq := r.Clone(r.Context())
	for _, h := range []string{"Sec-Websocket-Key", "Sec-Websocket-Version", "Sec-Websocket-Protocol", "Sec-Websocket-Extensions"} {
		spdyReq.Header.Del(h)
	}
	spdyReq.Header.Set("Connection", "Upgrade")
	spdyReq.Header.Set("Upgrade", "SPDY/3.1")
	spdyReq.Header.Set("X-Stream-Protocol-Version", pfconstants.PortForwardV1Name)
	return &tunnelWriter{w: w, r: r, header: http.Header{}}, spdyReq
}

// tunnelWriter is the SPDY server's response writer: its upgrade becomes
// the WebSocket's, and an error before it goes to the client as written.
type tunnelWriter struct {
	w      http.ResponseWriter
	r      *http.Request
	header http.Header
	status int
	wrote  bool
}

func (t *tunnelWriter) Header() http.Header { return t.header }

func (t *tunnelWriter) WriteHeader(code int) { t.status = code }

func (t *tunnelWriter) Write(b []byte) (int, error) {
	if !t.wrote {
		t.wrote = true
		for k, v := range t.header {
			t.w.Header()[k] = v
		}
		if t.status == 0 || t.status == http.StatusSwitchingProtocols {
			t.status = http.StatusOK
		}
		t.w.WriteHeader(t.status)
	}
	return t.w.Write(b)
}

// Hijack upgrades the client's request to the WebSocket tunnel. The
// upgrader's origin check stays on: a browser page from elsewhere cannot
// open a tunnel with the user's client certificate.
func (t *tunnelWriter) Hijack() (net.Conn, *bufio.ReadWriter, error) {
	if t.status != http.StatusSwitchingProtocols {
		return nil, nil, fmt.Errorf("port-forward tunnel: upgrade with status %d", t.status)
	}
	up := websocket.Upgrader{Subprotocols: []string{pfconstants.WebsocketsSPDYTunnelingPortForwardV1}}
	ws, err := up.Upgrade(t.w, t.r, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("port-forward tunnel: %w", err)
	}
	conn := portforward.NewTunnelingConnection("gateway", ws)
	return conn, bufio.NewReadWriter(bufio.NewReader(conn), bufio.NewWriter(conn)), nil
}
