package apis

import (
	"errors"
	"io"
	"time"

	"github.com/jetplane/jetplane/events"
)

// ErrLogLimit ends a log read that has written limitBytes.
var ErrLogLimit = errors.New("limitBytes reached")

// LogWriter renders log records as the kubelet serves a container log: the
// pieces of a split line joined, each line ended by a newline, with
// timestamps an RFC 3339 (nanoseconds) time and a space before each line,
// lines older than Since left out, and no more than Limit bytes in all.
type LogWriter struct {
	W          io.Writer
	Timestamps bool
	Since      time.Time // zero: every line
	Limit      int64     // 0: no limit

	written int64
	midLine bool // the last record written was a piece with more to come
	skip    bool // the line being continued was left out
}

// WriteRecord writes one record. It returns ErrLogLimit once Limit bytes
// are written, and reports whether a line ended (the moment to flush).
func (lw *LogWriter) WriteRecord(r *events.LogRecord) (lineEnded bool, err error) {
	if !lw.midLine {
		lw.skip = !lw.Since.IsZero() && r.Time.Before(lw.Since)
		if !lw.skip && lw.Timestamps {
			if err := lw.write([]byte(r.Time.UTC().Format(time.RFC3339Nano) + " ")); err != nil {
				return false, err
			}
		}
	}
	lw.midLine = r.Partial
	if lw.skip {
		return false, nil
	}
	if err := lw.write(r.Data); err != nil {
		return false, err
	}
	if r.Partial {
		return false, nil
	}
	return true, lw.write([]byte{'\n'})
}

// write writes p, cut at the limit.
func (lw *LogWriter) write(p []byte) error {
	if lw.Limit > 0 {
		if left := lw.Limit - lw.written; int64(len(p)) >= left {
			n, err := lw.W.Write(p[:left])
			lw.written += int64(n)
			if err != nil {
				return err
			}
			return ErrLogLimit
		}
	}
	n, err := lw.W.Write(p)
	lw.written += int64(n)
	return err
}
