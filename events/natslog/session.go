package natslog

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nuid"
)

// A Session is one stream between the control plane and a node agent
// (exec, attach, port-forward) over NATS core: each side publishes numbered
// messages on the other's subject, each carrying bytes of one channel
// (stdin, stdout, stderr, resize...), and grants the other credit as its
// reader consumes them. A sender never has more than SessionWindow bytes
// in flight, so a slow reader cannot blow the memory of either side; a gap
// in the numbers (NATS core dropped a message) or a silent peer ends the
// session with an error rather than corrupting the stream.

// Session channels, numbered as Kubernetes' remotecommand streams.
const (
	ChanStdin  byte = 0
	ChanStdout byte = 1
	ChanStderr byte = 2
	ChanResize byte = 4
	ChanData   byte = 5 // port-forward's bytes
)

// SessionWindow is how many bytes one side may send unacknowledged.
const SessionWindow = 256 << 10

// sessionChunk caps one message's payload.
const sessionChunk = 32 << 10

// sessionOpenTimeout bounds asking an agent for a session.
const sessionOpenTimeout = 10 * time.Second

// SessionPing: how often an idle side says it is still there;
// SessionTimeout: how long a side waits for any message before it gives up.
var (
	SessionPing    = 5 * time.Second
	SessionTimeout = 30 * time.Second
)

// Errors of sessions.
var (
	ErrSessionLost    = errors.New("session lost")
	ErrSessionRefused = errors.New("session refused")
	// ErrPeerEnded: the other side is done; nothing more can be sent.
	ErrPeerEnded = errors.New("session ended by the other side")
)

const (
	hdrChan   = "Jp-Chan"
	hdrSeq    = "Jp-Seq"
	hdrCredit = "Jp-Credit"
	hdrEOF    = "Jp-Eof"
	hdrEnd    = "Jp-End" // the sender is done; data: its SessionResult (agent) or nothing
	hdrPing   = "Jp-Ping"
)

// Session is one side of a session.
type Session struct {
	nc       *nats.Conn
	out      string
	Req      events.SessionRequest
	done     chan struct{} // this side is over
	peerDone chan struct{} // the peer said it is done
	ping     time.Duration
	timeout  time.Duration

	mu   sync.Mutex
	cond *sync.Cond
	sub  *nats.Subscription
	// Flow control counts bytes from the start: this side may send while
	// sent < SessionWindow + peerConsumed (the peer's cumulative grants, so
	// a lost grant is made good by the next one), and fails a peer that
	// sends past what it was granted.
	sent, peerConsumed int64
	received, consumed int64
	granted            int64 // consumed, as last told to the peer
	sendSeq, recvSeq   uint64
	bufs               map[byte][]byte
	eof                map[byte]bool
	result             *events.SessionResult
	ended              bool // the peer said it is done
	err                error
	heard              time.Time
}

func newSession(nc *nats.Conn, in, out string, req events.SessionRequest) (*Session, error) {
	s := &Session{nc: nc, out: out, Req: req, done: make(chan struct{}), peerDone: make(chan struct{}),
		ping: SessionPing, timeout: SessionTimeout, bufs: map[byte][]byte{}, eof: map[byte]bool{}, heard: time.Now()}
	s.cond = sync.NewCond(&s.mu)
	s.mu.Lock() // receive waits until sub is set
	sub, err := nc.Subscribe(in, s.receive)
	if err != nil {
		s.mu.Unlock()
		return nil, fmt.Errorf("session: %w", err)
	}
	// Ample room: the window bounds what the peer sends.
	_ = sub.SetPendingLimits(-1, 4*SessionWindow)
	s.sub = sub
	s.mu.Unlock()
	go s.watch()
	return s, nil
}

// OpenSession asks node's agent to run req and returns the control
// plane's side once the agent has taken it.
func (l *Log) OpenSession(ctx context.Context, node string, req events.SessionRequest) (*Session, error) {
	req.ID = nuid.Next()
	s, err := newSession(l.nc, events.SessionToControlPlaneSubject(node, req.ID), events.SessionToAgentSubject(node, req.ID), req)
	if err != nil {
		return nil, err
	}
	body, _ := json.Marshal(req)
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, sessionOpenTimeout)
		defer cancel()
	}
	if err := l.nc.FlushWithContext(ctx); err != nil {
		s.Abort(err)
		return nil, fmt.Errorf("session: %w", err)
	}
	reply, err := l.nc.RequestWithContext(ctx, events.SessionOpenSubject(node), body)
	if errors.Is(err, nats.ErrNoResponders) {
		err = fmt.Errorf("%w: node %s does not answer", events.ErrUnavailable, node)
	}
	if err != nil {
		s.Abort(err)
		return nil, fmt.Errorf("session on node %s: %w", node, err)
	}
	if len(reply.Data) > 0 {
		err := fmt.Errorf("%w: %s", ErrSessionRefused, reply.Data)
		s.Abort(err)
		return nil, err
	}
	return s, nil
}

// ServeSessions takes node's sessions until ctx ends: accept answers whether
// the agent can run one (nil: yes), and run serves it.
func (l *Log) ServeSessions(ctx context.Context, node string, accept func(events.SessionRequest) error,
	run func(context.Context, *Session)) error {
	// One agent per node takes each session, even while a restarted agent
	// and the one it replaces are both connected.
	sub, err := l.nc.QueueSubscribe(events.SessionOpenSubject(node), "agents", func(m *nats.Msg) {
		var req events.SessionRequest
		if err := json.Unmarshal(m.Data, &req); err != nil || req.ID == "" {
			_ = m.Respond([]byte("bad session request"))
			return
		}
		if err := accept(req); err != nil {
			_ = m.Respond([]byte(err.Error()))
			return
		}
		s, err := newSession(l.nc, events.SessionToAgentSubject(node, req.ID), events.SessionToControlPlaneSubject(node, req.ID), req)
		if err != nil {
			_ = m.Respond([]byte(err.Error()))
			return
		}
		_ = l.nc.Flush() // subscribed before the control plane may send
		if err := m.Respond(nil); err != nil {
			s.Abort(err)
			return
		}
		go run(ctx, s)
	})
	if err != nil {
		return fmt.Errorf("sessions of %s: %w", node, err)
	}
	<-ctx.Done()
	return sub.Unsubscribe()
}

func (s *Session) receive(m *nats.Msg) {
	s.mu.Lock()
	defer s.mu.Unlock()
	defer s.cond.Broadcast()
	if s.err != nil {
		return
	}
	s.heard = time.Now()
	if m.Header.Get(hdrPing) != "" {
		return
	}
	if c := m.Header.Get(hdrCredit); c != "" {
		if n, err := strconv.ParseInt(c, 10, 64); err == nil && n > s.peerConsumed {
			s.peerConsumed = n // cumulative: a lost grant is made good by this one
		}
		return
	}
	seq, _ := strconv.ParseUint(m.Header.Get(hdrSeq), 10, 64)
	if seq != s.recvSeq+1 {
		s.fail(fmt.Errorf("%w: message %d after %d", ErrSessionLost, seq, s.recvSeq))
		return
	}
	s.recvSeq = seq
	if m.Header.Get(hdrEnd) != "" {
		if !s.ended {
			s.ended = true
			close(s.peerDone)
		}
		if len(m.Data) > 0 {
			var r events.SessionResult
			if json.Unmarshal(m.Data, &r) == nil {
				s.result = &r
			}
		}
		return
	}
	ch := byte(0)
	if v, err := strconv.Atoi(m.Header.Get(hdrChan)); err == nil {
		ch = byte(v)
	}
	if m.Header.Get(hdrEOF) != "" {
		s.eof[ch] = true
		return
	}
	s.received += int64(len(m.Data))
	if s.received-s.granted > SessionWindow {
		s.fail(fmt.Errorf("%w: the other side sent past its window", ErrSessionLost))
		return
	}
	s.bufs[ch] = append(s.bufs[ch], m.Data...)
}

// fail ends the session with err; s.mu is held.
func (s *Session) fail(err error) {
	if s.err != nil {
		return
	}
	s.err = err
	close(s.done)
	if s.sub != nil {
		_ = s.sub.Unsubscribe()
	}
}

// watch pings the peer and gives up on a silent one.
func (s *Session) watch() {
	t := time.NewTicker(s.ping)
	defer t.Stop()
	for {
		select {
		case <-s.done:
			return
		case <-t.C:
		}
		s.mu.Lock()
		silent := time.Since(s.heard) > s.timeout
		if silent {
			s.fail(fmt.Errorf("%w: the other side is silent", ErrSessionLost))
			s.cond.Broadcast()
		}
		s.mu.Unlock()
		if !silent {
			_ = s.publish(map[string]string{hdrPing: "1"}, nil)
		}
	}
}

func (s *Session) publish(h map[string]string, data []byte) error {
	m := nats.NewMsg(s.out)
	for k, v := range h {
		m.Header.Set(k, v)
	}
	m.Data = data
	return s.nc.PublishMsg(m)
}

// send publishes one numbered message, waiting for credit for its data.
func (s *Session) send(h map[string]string, data []byte) error {
	s.mu.Lock()
	for s.err == nil && !s.ended && s.sent+int64(len(data)) > SessionWindow+s.peerConsumed {
		s.cond.Wait()
	}
	if s.err == nil && s.ended && h[hdrEnd] == "" && len(data) > 0 {
		s.mu.Unlock()
		return ErrPeerEnded
	}
	if s.err != nil {
		err := s.err
		s.mu.Unlock()
		return err
	}
	s.sent += int64(len(data))
	s.sendSeq++
	h[hdrSeq] = strconv.FormatUint(s.sendSeq, 10)
	err := s.publish(h, data) // under mu: numbers go out in order
	s.mu.Unlock()
	return err
}

// Write sends p on channel ch.
func (s *Session) Write(ch byte, p []byte) (int, error) {
	n := 0
	for len(p) > 0 {
		k := min(len(p), sessionChunk)
		if err := s.send(map[string]string{hdrChan: strconv.Itoa(int(ch))}, p[:k]); err != nil {
			return n, err
		}
		n, p = n+k, p[k:]
	}
	return n, nil
}

// CloseWrite tells the peer channel ch has ended (its reader sees EOF).
func (s *Session) CloseWrite(ch byte) error {
	return s.send(map[string]string{hdrChan: strconv.Itoa(int(ch)), hdrEOF: "1"}, nil)
}

// Read reads channel ch's bytes; io.EOF once the peer closed it (or ended
// the session) and everything sent was read.
func (s *Session) Read(ch byte, p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(s.bufs[ch]) == 0 && !s.eof[ch] && !s.ended && s.err == nil {
		s.cond.Wait()
	}
	if len(s.bufs[ch]) == 0 {
		if s.err != nil && !s.ended && !s.eof[ch] {
			return 0, s.err
		}
		return 0, io.EOF
	}
	n := copy(p, s.bufs[ch])
	s.bufs[ch] = s.bufs[ch][n:]
	if len(s.bufs[ch]) == 0 {
		s.bufs[ch] = nil
	}
	s.consumed += int64(n)
	if s.consumed-s.granted >= SessionWindow/4 {
		s.granted = s.consumed
		_ = s.publish(map[string]string{hdrCredit: strconv.FormatInt(s.consumed, 10)}, nil)
	}
	return n, nil
}

// Reader and Writer are channel ch as an io.Reader and io.WriteCloser.
func (s *Session) Reader(ch byte) io.Reader      { return chanReader{s, ch} }
func (s *Session) Writer(ch byte) io.WriteCloser { return chanWriter{s, ch} }

type chanReader struct {
	s  *Session
	ch byte
}

func (r chanReader) Read(p []byte) (int, error) { return r.s.Read(r.ch, p) }

type chanWriter struct {
	s  *Session
	ch byte
}

func (w chanWriter) Write(p []byte) (int, error) { return w.s.Write(w.ch, p) }
func (w chanWriter) Close() error                { return w.s.CloseWrite(w.ch) }

// End tells the peer this side is done, with the result (the agent's; nil
// from the control plane), and closes the session.
func (s *Session) End(result *events.SessionResult) error {
	var data []byte
	if result != nil {
		data, _ = json.Marshal(result)
	}
	err := s.send(map[string]string{hdrEnd: "1"}, data)
	s.Abort(nil)
	return err
}

// Wait returns the peer's result once it has ended the session, or the
// error that broke it.
func (s *Session) Wait(ctx context.Context) (*events.SessionResult, error) {
	stop := context.AfterFunc(ctx, func() { s.Abort(ctx.Err()) })
	defer stop()
	s.mu.Lock()
	defer s.mu.Unlock()
	for !s.ended && s.err == nil {
		s.cond.Wait()
	}
	if s.ended {
		return s.result, nil
	}
	return nil, s.err
}

// Ended is closed when the session is over on this side.
func (s *Session) Ended() <-chan struct{} { return s.done }

// PeerEnded is closed when the peer says it is done (the control plane's
// client went away: the agent stops the command).
func (s *Session) PeerEnded() <-chan struct{} { return s.peerDone }

// Abort ends this side at once (err nil: a clean close); blocked reads and
// writes return.
func (s *Session) Abort(err error) {
	if err == nil {
		err = io.ErrClosedPipe
	}
	s.mu.Lock()
	s.fail(err)
	s.cond.Broadcast()
	s.mu.Unlock()
}

// Conn is channel ch as a net.Conn (a proxied HTTP connection through a
// port-forward session): Close ends the session. Deadlines are not
// supported; callers bound their requests with contexts.
func (s *Session) Conn(ch byte) net.Conn { return &sessionConn{s: s, ch: ch} }

type sessionConn struct {
	s  *Session
	ch byte
}

func (c *sessionConn) Read(p []byte) (int, error)  { return c.s.Read(c.ch, p) }
func (c *sessionConn) Write(p []byte) (int, error) { return c.s.Write(c.ch, p) }
func (c *sessionConn) Close() error {
	_ = c.s.End(nil)
	return nil
}
func (c *sessionConn) LocalAddr() net.Addr              { return sessionAddr(c.s.Req.ID) }
func (c *sessionConn) RemoteAddr() net.Addr             { return sessionAddr(c.s.Req.Pod) }
func (c *sessionConn) SetDeadline(time.Time) error      { return nil }
func (c *sessionConn) SetReadDeadline(time.Time) error  { return nil }
func (c *sessionConn) SetWriteDeadline(time.Time) error { return nil }

type sessionAddr string

func (a sessionAddr) Network() string { return "nats-session" }
func (a sessionAddr) String() string  { return string(a) }
