package natslog

import (
	"bufio"
	"context"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// A backup is JetStream's own snapshot of each stream that holds the
// cluster's state — EVENTS first (the truth), then what refers to it: the
// container logs, the allocations, the Secrets' data keys (each taken after
// the events it serves, so every Secret in the backup has its key). Leases
// and projection snapshots are left out: liveness and a cache, both made
// anew. A snapshot keeps sequences, times and headers exactly, so a
// restored log answers every resourceVersion and time as the original did.
//
// The file: backupMagic, then per stream a frame with its name, its
// configuration and state (JSON), then the snapshot's chunks as frames, and
// an empty frame; an empty name ends the file.
const backupMagic = "JETPLANE-BACKUP-1\n"

// backupChunk is the size of the snapshot chunks asked of the server.
const backupChunk = 256 << 10

// BackupStreams are the streams a backup holds, in the order taken.
func (c Config) BackupStreams() []string {
	return []string{c.EventsStream(), c.LogsStream(), "KV_" + c.AllocationBucket(), "KV_" + c.SecretKeyBucket()}
}

// streamHeader is a stream's frame in the file.
type streamHeader struct {
	Name   string          `json:"name"`
	Config json.RawMessage `json:"config"`
	State  json.RawMessage `json:"state"`
}

// apiError is the error of a JetStream API response.
type apiError struct {
	Code        int    `json:"code"`
	Description string `json:"description"`
}

// BackupStats says what a backup or restore held.
type BackupStats struct {
	Streams  int
	Messages uint64
	Bytes    int64 // snapshot bytes
	LastSeq  uint64
}

// Backup writes a snapshot of every stream of BackupStreams to w, online:
// the cluster goes on serving; EVENTS is cut at its last sequence when its
// snapshot starts (BackupStats.LastSeq).
func (l *Log) Backup(ctx context.Context, w io.Writer) (BackupStats, error) {
	var st BackupStats
	bw := bufio.NewWriterSize(w, backupChunk)
	if _, err := bw.WriteString(backupMagic); err != nil {
		return st, err
	}
	for i, name := range l.Config.BackupStreams() {
		n, msgs, last, err := l.backupStream(ctx, bw, name)
		if err != nil {
			return st, fmt.Errorf("backup %s: %w", name, err)
		}
		st.Streams, st.Bytes, st.Messages = st.Streams+1, st.Bytes+n, st.Messages+msgs
		if i == 0 {
			st.LastSeq = last
		}
	}
	if err := writeFrame(bw, nil); err != nil {
		return st, err
	}
	return st, bw.Flush()
}

func (l *Log) backupStream(ctx context.Context, w io.Writer, name string) (n int64, msgs, last uint64, err error) {
	inbox := l.nc.NewInbox()
	chunks := make(chan *nats.Msg, 64)
	sub, err := l.nc.ChanSubscribe(inbox, chunks)
	if err != nil {
		return 0, 0, 0, err
	}
	defer sub.Unsubscribe()
	req, _ := json.Marshal(map[string]any{"deliver_subject": inbox, "chunk_size": backupChunk, "no_consumers": true})
	var resp struct {
		Config json.RawMessage `json:"config"`
		State  json.RawMessage `json:"state"`
	}
	if err := l.apiRequest(ctx, "$JS.API.STREAM.SNAPSHOT."+name, req, 30*time.Second, &resp); err != nil {
		return 0, 0, 0, err
	}
	var state jetstream.StreamState
	if err := json.Unmarshal(resp.State, &state); err != nil {
		return 0, 0, 0, fmt.Errorf("state: %w", err)
	}
	header, _ := json.Marshal(streamHeader{Name: name, Config: resp.Config, State: resp.State})
	if err := writeFrame(w, header); err != nil {
		return 0, 0, 0, err
	}
	for {
		var m *nats.Msg
		select {
		case m = <-chunks:
		case <-ctx.Done():
			return n, 0, 0, ctx.Err()
		case <-time.After(30 * time.Second):
			return n, 0, 0, errors.New("the server sent no snapshot chunk for 30 s")
		}
		if len(m.Data) == 0 {
			// The end: no status when the snapshot fit in one chunk, 204
			// after several, another code when the server gave up.
			if status := m.Header.Get("Status"); status != "" && status != "204" {
				return n, 0, 0, fmt.Errorf("snapshot ended with %s %s", status, m.Header.Get("Description"))
			}
			return n, state.Msgs, state.LastSeq, writeFrame(w, nil)
		}
		if err := writeFrame(w, m.Data); err != nil {
			return n, 0, 0, err
		}
		n += int64(len(m.Data))
		if m.Reply != "" {
			if err := l.nc.Publish(m.Reply, nil); err != nil { // flow control: the next chunk
				return n, 0, 0, err
			}
		}
	}
}

// Restore puts the streams of a backup read from r into this log's
// cluster, which must hold none of their messages: streams made empty at
// start (jetplane nats makes them) are deleted and restored from the
// backup; one that holds messages stops the restore before anything is
// changed. Run it before the services start.
func (l *Log) Restore(ctx context.Context, r io.Reader) (BackupStats, error) {
	var st BackupStats
	br := bufio.NewReaderSize(r, backupChunk)
	magic := make([]byte, len(backupMagic))
	if _, err := io.ReadFull(br, magic); err != nil || string(magic) != backupMagic {
		return st, errors.New("restore: not a Jetplane backup")
	}
	for _, name := range l.Config.BackupStreams() {
		s, err := l.js.Stream(ctx, name)
		if errors.Is(err, jetstream.ErrStreamNotFound) {
			continue
		}
		if err != nil {
			return st, fmt.Errorf("restore: stream %s: %w", name, err)
		}
		if n := s.CachedInfo().State.Msgs; n > 0 {
			return st, fmt.Errorf("restore: stream %s holds %d messages: restore only into an empty cluster", name, n)
		}
	}
	for first := true; ; first = false {
		frame, err := readFrame(br)
		if err != nil {
			return st, fmt.Errorf("restore: %w", err)
		}
		if len(frame) == 0 {
			return st, nil
		}
		var h streamHeader
		if err := json.Unmarshal(frame, &h); err != nil {
			return st, fmt.Errorf("restore: stream header: %w", err)
		}
		var state jetstream.StreamState
		if err := json.Unmarshal(h.State, &state); err != nil {
			return st, fmt.Errorf("restore %s: state: %w", h.Name, err)
		}
		if err := l.js.DeleteStream(ctx, h.Name); err != nil && !errors.Is(err, jetstream.ErrStreamNotFound) {
			return st, fmt.Errorf("restore %s: delete the empty stream: %w", h.Name, err)
		}
		n, err := l.restoreStream(ctx, br, h)
		if err != nil {
			return st, fmt.Errorf("restore %s: %w", h.Name, err)
		}
		st.Streams, st.Bytes, st.Messages = st.Streams+1, st.Bytes+n, st.Messages+state.Msgs
		if first {
			st.LastSeq = state.LastSeq
		}
	}
}

func (l *Log) restoreStream(ctx context.Context, r io.Reader, h streamHeader) (int64, error) {
	// The target's replicas, not the source's: a backup of a cluster
	// restores into one server and back.
	var cfg map[string]any
	if err := json.Unmarshal(h.Config, &cfg); err != nil {
		return 0, fmt.Errorf("config: %w", err)
	}
	cfg["num_replicas"] = l.Config.replicas()
	config, err := json.Marshal(cfg)
	if err != nil {
		return 0, err
	}
	req, _ := json.Marshal(map[string]json.RawMessage{"config": config, "state": h.State})
	var resp struct {
		DeliverSubject string `json:"deliver_subject"`
	}
	if err := l.apiRequest(ctx, "$JS.API.STREAM.RESTORE."+h.Name, req, 30*time.Second, &resp); err != nil {
		return 0, err
	}
	var n int64
	for {
		chunk, err := readFrame(r)
		if err != nil {
			return n, err
		}
		// Each chunk is acknowledged; the empty one ends the stream and is
		// answered with the restored stream's info (or why not), once the
		// server has rebuilt the stream from the snapshot.
		timeout := 30 * time.Second
		if len(chunk) == 0 {
			timeout = 5 * time.Minute
		}
		if err := l.apiRequest(ctx, resp.DeliverSubject, chunk, timeout, nil); err != nil {
			return n, err
		}
		if len(chunk) == 0 {
			return n, nil
		}
		n += int64(len(chunk))
	}
}

// apiRequest asks JetStream's API (or a snapshot's restore subject) and
// decodes a non-empty answer into resp (nil: only its error); the answer's
// error becomes the error.
func (l *Log) apiRequest(ctx context.Context, subject string, req []byte, timeout time.Duration, resp any) error {
	rctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	m, err := l.nc.RequestWithContext(rctx, subject, req)
	if err != nil {
		return err
	}
	if len(m.Data) == 0 {
		return nil // a restore chunk's acknowledgement
	}
	var e struct {
		Error *apiError `json:"error"`
	}
	if err := json.Unmarshal(m.Data, &e); err != nil {
		return fmt.Errorf("%s: %w", subject, err)
	}
	if e.Error != nil {
		return fmt.Errorf("%s: %d %s", subject, e.Error.Code, e.Error.Description)
	}
	if resp != nil {
		if err := json.Unmarshal(m.Data, resp); err != nil {
			return fmt.Errorf("%s: %w", subject, err)
		}
	}
	return nil
}

// writeFrame writes a length-prefixed frame; nil is the empty frame.
func writeFrame(w io.Writer, data []byte) error {
	var size [4]byte
	binary.BigEndian.PutUint32(size[:], uint32(len(data)))
	if _, err := w.Write(size[:]); err != nil {
		return err
	}
	_, err := w.Write(data)
	return err
}

// readFrame reads one frame (at most 16 MiB: a chunk or a header).
func readFrame(r io.Reader) ([]byte, error) {
	var size [4]byte
	if _, err := io.ReadFull(r, size[:]); err != nil {
		return nil, fmt.Errorf("truncated backup: %w", err)
	}
	n := binary.BigEndian.Uint32(size[:])
	if n > 16<<20 {
		return nil, fmt.Errorf("corrupt backup: a frame of %d bytes", n)
	}
	data := make([]byte, n)
	if _, err := io.ReadFull(r, data); err != nil {
		return nil, fmt.Errorf("truncated backup: %w", err)
	}
	return data, nil
}
