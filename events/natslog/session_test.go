package natslog_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
)

// serveUpper runs an agent side on node that answers exec sessions by
// copying stdin to stdout upper-cased and ending with exit code 3, and
// refuses sessions of container "missing".
func serveUpper(t *testing.T, l, opener *natslog.Log, node string) {
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	go func() {
		_ = l.ServeSessions(ctx, node, func(req events.SessionRequest) error {
			if req.Container == "missing" {
				return errors.New(`container "missing" not found`)
			}
			return nil
		}, func(ctx context.Context, s *natslog.Session) {
			buf := make([]byte, 4096)
			for {
				n, err := s.Read(natslog.ChanStdin, buf)
				if n > 0 {
					if _, werr := s.Write(natslog.ChanStdout, bytes.ToUpper(buf[:n])); werr != nil {
						return
					}
				}
				if err != nil {
					break
				}
			}
			_ = s.CloseWrite(natslog.ChanStdout)
			_ = s.End(&events.SessionResult{Exited: true, ExitCode: 3})
		})
	}()
	eventstest.Eventually(t, 5*time.Second, func() error {
		_, err := opener.OpenSession(context.Background(), node, events.SessionRequest{Kind: events.SessionExec, Container: "missing"})
		if errors.Is(err, natslog.ErrSessionRefused) {
			return nil
		}
		return err
	})
}

// Bytes flow both ways through a session with more in flight than the
// window (so credit must come back), in order, and the agent's result
// arrives; refusals and absent agents are clear errors.
func TestSessionCarriesBytesWithFlowControl(t *testing.T) {
	l := eventstest.Log(t)
	serveUpper(t, l, l, "node-a")
	ctx := context.Background()
	s, err := l.OpenSession(ctx, "node-a", events.SessionRequest{Kind: events.SessionExec, Container: "c", Stdin: true, Stdout: true})
	if err != nil {
		t.Fatal(err)
	}
	in := bytes.Repeat([]byte("abcdefghij"), 400_000) // 4 MB: sixteen windows
	go func() {
		_, _ = s.Write(natslog.ChanStdin, in)
		_ = s.CloseWrite(natslog.ChanStdin)
	}()
	out, err := io.ReadAll(s.Reader(natslog.ChanStdout))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(out, bytes.ToUpper(in)) {
		t.Fatalf("got %d bytes back, want %d upper-cased", len(out), len(in))
	}
	res, err := s.Wait(ctx)
	if err != nil || res == nil || !res.Exited || res.ExitCode != 3 {
		t.Fatalf("result %+v, %v", res, err)
	}
	s.Abort(nil)

	_, err = l.OpenSession(ctx, "node-a", events.SessionRequest{Kind: events.SessionExec, Container: "missing"})
	if !errors.Is(err, natslog.ErrSessionRefused) || !bytes.Contains([]byte(err.Error()), []byte(`container "missing" not found`)) {
		t.Fatalf("refused session: %v", err)
	}
	_, err = l.OpenSession(ctx, "node-nobody", events.SessionRequest{Kind: events.SessionExec})
	if !errors.Is(err, events.ErrUnavailable) {
		t.Fatalf("absent agent: %v", err)
	}
}

// A peer that goes away without a word ends the session with
// ErrSessionLost once it has been silent for SessionTimeout.
func TestSessionWithASilentPeerIsLost(t *testing.T) {
	natslog.SessionPing, natslog.SessionTimeout = 50*time.Millisecond, 300*time.Millisecond
	t.Cleanup(func() { natslog.SessionPing, natslog.SessionTimeout = 5*time.Second, 30*time.Second })
	l := eventstest.Log(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	go func() {
		_ = l.ServeSessions(ctx, "node-b", func(events.SessionRequest) error { return nil },
			func(ctx context.Context, s *natslog.Session) { s.Abort(nil) }) // gone, no End
	}()
	var s *natslog.Session
	eventstest.Eventually(t, 5*time.Second, func() error {
		var err error
		s, err = l.OpenSession(context.Background(), "node-b", events.SessionRequest{Kind: events.SessionExec})
		return err
	})
	if _, err := s.Read(natslog.ChanStdout, make([]byte, 10)); !errors.Is(err, natslog.ErrSessionLost) {
		t.Fatalf("read from a silent peer: %v", err)
	}
}

// Under the operator's trust, a session crosses the two accounts: the
// control plane opens one on node-a's agent, which serves it; another node
// can neither take node-a's sessions nor speak for node-a in one.
func TestSessionsCrossAccountsOnlyForTheirNode(t *testing.T) {
	t.Parallel()
	srv, trust := eventstest.SecureServer(t)
	_ = eventstest.LogAs(t, srv, trust, natslog.Identity{Role: natslog.RoleOperator})
	gateway := eventstest.LogAs(t, srv, trust, natslog.Identity{Role: natslog.RoleControlPlane, Name: "gateway"})
	agent := eventstest.LogAs(t, srv, trust, natslog.Identity{Role: natslog.RoleNode, Name: "node-a"})
	serveUpper(t, agent, gateway, "node-a")
	// serveUpper's Eventually opened (and was refused) through the gateway's
	// connection once the agent listened; now a real one.
	s, err := gateway.OpenSession(context.Background(), "node-a", events.SessionRequest{Kind: events.SessionExec, Container: "c"})
	if err != nil {
		t.Fatal(err)
	}
	go func() {
		_, _ = s.Write(natslog.ChanStdin, []byte("across accounts"))
		_ = s.CloseWrite(natslog.ChanStdin)
	}()
	out, err := io.ReadAll(s.Reader(natslog.ChanStdout))
	if err != nil || string(out) != "ACROSS ACCOUNTS" {
		t.Fatalf("through the accounts: %q, %v", out, err)
	}
	if res, err := s.Wait(context.Background()); err != nil || res.ExitCode != 3 {
		t.Fatalf("result %+v, %v", res, err)
	}

	nc, errs := conn(t, srv, trust, natslog.Identity{Role: natslog.RoleNode, Name: "node-b"})
	refused(t, "taking node-a's sessions", events.SessionOpenSubject("node-a"), errs, func(ctx context.Context) error {
		sub, err := nc.SubscribeSync(events.SessionOpenSubject("node-a"))
		if err != nil {
			return err
		}
		_ = nc.Flush()
		_, err = sub.NextMsg(time.Second)
		return err
	})
	refused(t, "speaking for node-a", events.SessionToControlPlaneSubject("node-a", "x"), errs, func(ctx context.Context) error {
		if err := nc.Publish(events.SessionToControlPlaneSubject("node-a", "x"), []byte("forged")); err != nil {
			return err
		}
		_ = nc.FlushWithContext(ctx)
		return errors.New("published: the server's refusal is what counts") // asynchronous, seen in errs
	})
}
