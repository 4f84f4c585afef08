package tcpbalancer

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"sync"
	"sync/atomic"
	"time"
)

// DialTimeout bounds the attempt on one backend before the next is tried.
const DialTimeout = 2 * time.Second

// Balancer hands each accepted connection to a backend, round robin,
// skipping those that refuse or do not answer in DialTimeout.
type Balancer struct {
	Backends []string // host:port
	next     atomic.Uint64
	dialer   net.Dialer
}

// ErrNoBackend is returned for a connection no backend took.
var ErrNoBackend = errors.New("no backend answers")

// Serve accepts on ln until ctx ends (or ln fails), then waits for the
// connections under way to end.
func (b *Balancer) Serve(ctx context.Context, ln net.Listener, onError func(error)) error {
	if len(b.Backends) == 0 {
		return errors.New("tcpbalancer: no backends")
	}
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	var conns sync.WaitGroup
	defer conns.Wait()
	for {
		c, err := ln.Accept()
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			return fmt.Errorf("tcpbalancer: accept: %w", err)
		}
		conns.Add(1)
		go func() {
			defer conns.Done()
			if err := b.relay(ctx, c); err != nil && onError != nil {
				onError(err)
			}
		}()
	}
}

// relay connects c to a backend and copies both ways until either side
// closes.
func (b *Balancer) relay(ctx context.Context, c net.Conn) error {
	defer c.Close()
	backend, err := b.dial(ctx)
	if err != nil {
		return fmt.Errorf("tcpbalancer: %s: %w", c.RemoteAddr(), err)
	}
	defer backend.Close()
	stop := context.AfterFunc(ctx, func() { c.Close(); backend.Close() })
	defer stop()
	done := make(chan struct{}, 2)
	pipe := func(dst, src net.Conn) {
		_, _ = io.Copy(dst, src)
		if tc, ok := dst.(*net.TCPConn); ok {
			_ = tc.CloseWrite() // the other direction may still talk
		} else {
			dst.Close()
		}
		done <- struct{}{}
	}
	go pipe(backend, c)
	go pipe(c, backend)
	<-done
	<-done
	return nil
}

// dial tries every backend once, starting after the last one used.
func (b *Balancer) dial(ctx context.Context) (net.Conn, error) {
	start := b.next.Add(1)
	var errs []error
	for i := range b.Backends {
		addr := b.Backends[(start+uint64(i))%uint64(len(b.Backends))]
		dctx, cancel := context.WithTimeout(ctx, DialTimeout)
		conn, err := b.dialer.DialContext(dctx, "tcp", addr)
		cancel()
		if err == nil {
			return conn, nil
		}
		errs = append(errs, err)
	}
	return nil, fmt.Errorf("%w: %w", ErrNoBackend, errors.Join(errs...))
}
