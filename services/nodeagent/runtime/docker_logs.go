package runtime

import (
	"bytes"
	"context"
	"io"
	"time"

	"github.com/moby/moby/api/pkg/stdcopy"
	"github.com/moby/moby/client"
)

// maxLogLine: a longer line is handed on in pieces of this size, as the
// process runtime's scanner bounds it.
const maxLogLine = 1 << 20

func (d *Docker) sink() LogSink {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.cfg.Logs
}

// reserveFollow marks a container as followed; false if it is already.
func (d *Docker) reserveFollow(id ContainerID) bool {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.following[id] {
		return false
	}
	d.following[id] = true
	return true
}

func (d *Docker) follow(id ContainerID, spec ContainerSpec, since time.Time) {
	if d.reserveFollow(id) {
		go d.streamLogs(id, spec, since)
	}
}

// streamLogs hands each line of the container's output (from since; the
// zero time: from its start) to the sink until the container ends. The
// engine keeps the output, so a container followed late loses nothing
// written after since.
func (d *Docker) streamLogs(id ContainerID, spec ContainerSpec, since time.Time) {
	defer func() {
		d.mu.Lock()
		delete(d.following, id)
		d.mu.Unlock()
	}()
	opts := client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Follow: true}
	if !since.IsZero() {
		opts.Since = since.Format(time.RFC3339Nano)
	}
	rc, err := d.cli.ContainerLogs(d.ctx, string(id), opts)
	if err != nil {
		return // removed, or the runtime closed
	}
	defer rc.Close()
	stdout := &lineWriter{emit: func(line string) { d.emit(spec, "stdout", line) }}
	stderr := &lineWriter{emit: func(line string) { d.emit(spec, "stderr", line) }}
	_, _ = stdcopy.StdCopy(stdout, stderr, rc)
	d.unterminatedLastLine(id, stdout, stderr)
	stdout.flush()
	stderr.flush()
}

// unterminatedLastLine puts into the writers the container's last line
// when it has no "\n": the engine (20.10 at least) never sends that line
// to a follower, only to a plain read (docker logs -f loses it too).
func (d *Docker) unterminatedLastLine(id ContainerID, stdout, stderr *lineWriter) {
	if d.ctx.Err() != nil {
		return // the runtime is closing, not the container ending
	}
	ctx, cancel := context.WithTimeout(d.ctx, 10*time.Second)
	defer cancel()
	rc, err := d.cli.ContainerLogs(ctx, string(id), client.ContainerLogsOptions{ShowStdout: true, ShowStderr: true, Tail: "1"})
	if err != nil {
		return
	}
	defer rc.Close()
	var out, errs bytes.Buffer
	if _, err := stdcopy.StdCopy(&out, &errs, io.LimitReader(rc, 4*maxLogLine)); err != nil {
		return
	}
	for _, s := range []struct {
		w   *lineWriter
		buf []byte
	}{{stdout, out.Bytes()}, {stderr, errs.Bytes()}} {
		if len(s.buf) > 0 && !bytes.HasSuffix(s.buf, []byte("\n")) {
			// The whole line, including any piece the follower did get.
			last := s.buf[bytes.LastIndexByte(s.buf, '\n')+1:]
			s.w.buf = append(s.w.buf[:0], last...)
		}
	}
}

func (d *Docker) emit(spec ContainerSpec, stream, line string) {
	if s := d.sink(); s != nil {
		s(spec, stream, line, time.Now())
	}
}

// lineWriter cuts a byte stream into lines without their "\n" (or "\r\n").
type lineWriter struct {
	emit func(string)
	buf  []byte
}

func (w *lineWriter) Write(p []byte) (int, error) {
	n := len(p)
	for len(p) > 0 {
		i := bytes.IndexByte(p, '\n')
		part := p
		if i >= 0 {
			part = p[:i]
		}
		w.buf = append(w.buf, part...)
		for len(w.buf) > maxLogLine {
			w.emit(string(w.buf[:maxLogLine]))
			w.buf = append(w.buf[:0], w.buf[maxLogLine:]...)
		}
		if i < 0 {
			break
		}
		w.emit(string(bytes.TrimSuffix(w.buf, []byte("\r"))))
		w.buf, p = w.buf[:0], p[i+1:]
	}
	return n, nil
}

// flush hands on a last line that had no "\n".
func (w *lineWriter) flush() {
	if len(w.buf) > 0 {
		w.emit(string(bytes.TrimSuffix(w.buf, []byte("\r"))))
		w.buf = w.buf[:0]
	}
}
