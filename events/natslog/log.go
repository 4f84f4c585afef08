package natslog

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jetplane/jetplane/events"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Config names the JetStream assets of one Jetplane cluster.
type Config struct {
	// Prefix is prepended to stream and bucket names ("" → "EVENTS").
	Prefix string
	// Replicas for streams and buckets (1 for a single server, 3 for a cluster).
	Replicas int
	// MaxAge and MaxBytes limit the event history (the time-travel
	// horizon). Zero on a new stream keeps everything; zero on an existing
	// stream keeps its limits, so that a service started without them does
	// not undo the operator's retention policy.
	MaxAge   time.Duration
	MaxBytes int64
	// LogsMaxBytes bounds the container output stream (default 256 MiB).
	LogsMaxBytes int64
	// SnapshotEvery makes every projection snapshot its state into the
	// snapshot object store after this many events (0: never), so that a
	// restarting service replays only the tail.
	SnapshotEvery uint64
	// Manage: this connection is the operator's, which creates and
	// updates the streams and buckets; every other identity only binds
	// them (Open).
	Manage bool
	// Credentials of the connection's identity (Dial, Connect); none on a
	// server without auth (tests of the log alone).
	Credentials Credentials
	// CAPEM is the CA the server's TLS certificate chains to (a server
	// listening beyond loopback serves TLS only).
	CAPEM []byte
	// reader: the connection is in the readers' account (Dial sees it in
	// the credentials), which holds only the mirror of EVENTS.
	reader bool
	// SnapshotInterval also snapshots when this much time went by since the
	// last snapshot and at least one event came (0: only SnapshotEvery).
	SnapshotInterval time.Duration
}

// Names of the assets, given the prefix.
func (c Config) EventsStream() string     { return c.Prefix + "EVENTS" }
func (c Config) LogsStream() string       { return c.Prefix + "LOGS" }
func (c Config) LeaseBucket() string      { return c.Prefix + "leases" }
func (c Config) SnapshotStore() string    { return c.Prefix + "snapshots" }
func (c Config) AllocationBucket() string { return c.Prefix + "allocations" }
func (c Config) SecretKeyBucket() string  { return c.Prefix + "secretkeys" }

func (c Config) replicas() int {
	if c.Replicas < 1 {
		return 1
	}
	return c.Replicas
}

// Log is the event stream of one cluster: the single append path and reads.
type Log struct {
	nc        *nats.Conn
	js        jetstream.JetStream
	Config    Config
	stream    jetstream.Stream
	leases    jetstream.KeyValue
	snapshots jetstream.ObjectStore
	logs      jetstream.Stream // LOGS: container output (logread.go)
	allocs    jetstream.KeyValue
	// secretKeys: each Secret's data key, wrapped by a cluster key that
	// is never in NATS (secretenvelope).
	secretKeys jetstream.KeyValue
}

// Open binds the cluster's assets on nc. With cfg.Manage (the operator's
// connection) it creates or updates each to cfg first; otherwise it binds
// what exists and creates only what is missing, which an identity without
// the operator's rights cannot do (NATS refuses: start `jetplane nats` or
// `jetplane up` first). Safe to call from every service at every start.
func Open(ctx context.Context, nc *nats.Conn, cfg Config) (*Log, error) {
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("jetstream: %w", err)
	}
	l := &Log{nc: nc, js: js, Config: cfg}
	if cfg.reader {
		// The readers' mirror of EVENTS, and nothing else: their output,
		// reports and heartbeats are publishes the account imports.
		if l.stream, err = js.Stream(ctx, cfg.EventsStream()); err != nil {
			return nil, fmt.Errorf("stream %s (the readers' mirror): %w", cfg.EventsStream(), err)
		}
		return l, nil
	}
	if l.stream, err = l.ensureStream(ctx, l.eventsStream(ctx)); err != nil {
		return nil, err
	}
	logsMax := cfg.LogsMaxBytes
	if logsMax == 0 {
		logsMax = 256 << 20
	}
	if l.logs, err = l.ensureStream(ctx, jetstream.StreamConfig{
		Name:        cfg.LogsStream(),
		Description: "Jetplane container output",
		Subjects:    []string{events.LogsFilter},
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.replicas(),
		MaxBytes:    logsMax,
		Discard:     jetstream.DiscardOld,
		AllowDirect: true, // tails and searches read single records
	}); err != nil {
		return nil, err
	}
	if l.leases, err = l.bucket(ctx, cfg.LeaseBucket(), "Jetplane leases: node heartbeats, leader election"); err != nil {
		return nil, err
	}
	if l.allocs, err = l.bucket(ctx, cfg.AllocationBucket(),
		"Jetplane allocations: one key per cluster IP or node port, created by whoever takes it"); err != nil {
		return nil, err
	}
	if l.secretKeys, err = l.bucket(ctx, cfg.SecretKeyBucket(),
		"Jetplane Secret data keys, wrapped: deleting one shreds that Secret's history"); err != nil {
		return nil, err
	}
	snapshots := jetstream.ObjectStoreConfig{
		Bucket:      cfg.SnapshotStore(),
		Description: "Jetplane projection snapshots: a cache of the log, never the truth",
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.replicas(),
	}
	if !cfg.Manage {
		l.snapshots, err = js.ObjectStore(ctx, snapshots.Bucket)
	}
	if cfg.Manage || errors.Is(err, jetstream.ErrBucketNotFound) {
		l.snapshots, err = js.CreateOrUpdateObjectStore(ctx, snapshots)
	}
	if err != nil {
		return nil, fmt.Errorf("object store %s: %w", cfg.SnapshotStore(), err)
	}
	return l, nil
}

// ensureStream binds the stream of sc, creating or updating it as Open says.
func (l *Log) ensureStream(ctx context.Context, sc jetstream.StreamConfig) (jetstream.Stream, error) {
	var s jetstream.Stream
	var err error
	if !l.Config.Manage {
		s, err = l.js.Stream(ctx, sc.Name)
	}
	if l.Config.Manage || errors.Is(err, jetstream.ErrStreamNotFound) {
		s, err = l.js.CreateOrUpdateStream(ctx, sc)
	}
	if err != nil {
		return nil, fmt.Errorf("stream %s: %w", sc.Name, err)
	}
	return s, nil
}

// eventsStream is the EVENTS stream's configuration. Retention left zero
// keeps what the stream has, so that a service started without it does not
// undo the operator's policy.
func (l *Log) eventsStream(ctx context.Context) jetstream.StreamConfig {
	cfg := l.Config
	maxAge, maxBytes := cfg.MaxAge, orUnlimited(cfg.MaxBytes)
	if cfg.MaxAge == 0 && cfg.MaxBytes == 0 {
		if existing, err := l.js.Stream(ctx, cfg.EventsStream()); err == nil {
			maxAge, maxBytes = existing.CachedInfo().Config.MaxAge, existing.CachedInfo().Config.MaxBytes
		}
	}
	return jetstream.StreamConfig{
		Name:        cfg.EventsStream(),
		Description: "Jetplane event log: every change of every object",
		Subjects:    []string{events.SubjectRoot + ".>"},
		Storage:     jetstream.FileStorage,
		Replicas:    cfg.replicas(),
		MaxAge:      maxAge,
		MaxBytes:    maxBytes,
		Duplicates:  2 * time.Minute,
		AllowDirect: true,
		// Atomic batches: a change spanning subjects (AppendAtomic).
		AllowAtomicPublish: true,
		// No event is ever removed but by retention (MaxAge, MaxBytes):
		// not by a message delete nor a purge, whatever the caller's rights.
		DenyDelete: true,
		DenyPurge:  true,
	}
}

// bucket creates or updates a KV bucket that keeps one revision per key.
func (l *Log) bucket(ctx context.Context, name, description string) (jetstream.KeyValue, error) {
	var kv jetstream.KeyValue
	var err error
	if !l.Config.Manage {
		kv, err = l.js.KeyValue(ctx, name)
	}
	if l.Config.Manage || errors.Is(err, jetstream.ErrBucketNotFound) {
		kv, err = l.js.CreateOrUpdateKeyValue(ctx, jetstream.KeyValueConfig{
			Bucket:      name,
			Description: description,
			Storage:     jetstream.FileStorage,
			Replicas:    l.Config.replicas(),
			History:     1,
		})
	}
	if err != nil {
		return nil, fmt.Errorf("kv %s: %w", name, err)
	}
	return kv, nil
}

func orUnlimited(n int64) int64 {
	if n <= 0 {
		return -1
	}
	return n
}

// Allocations is the KV bucket that makes cluster IPs and node ports unique.
func (l *Log) Allocations() events.KV { return kv{l.allocs} }

// SecretKeys is the KV bucket of the Secrets' wrapped data keys.
func (l *Log) SecretKeys() events.KV { return kv{l.secretKeys} }

// Snapshots is the object store of projection snapshots.
func (l *Log) Snapshots() events.BlobStore { return blobs{l.snapshots} }

// SnapshotPolicy is when projections over this log snapshot themselves.
func (l *Log) SnapshotPolicy() events.SnapshotPolicy {
	return events.SnapshotPolicy{Every: l.Config.SnapshotEvery, Interval: l.Config.SnapshotInterval}
}

// Leases is the KV bucket for heartbeats and leader election.
func (l *Log) Leases() events.KV { return kv{l.leases} }

// Close closes the log's NATS connection.
func (l *Log) Close() { l.nc.Close() }

// URL is the server the log's connection is on now.
func (l *Log) URL() string { return l.nc.ConnectedUrl() }

// Append stores e if and only if the last event on its subject has sequence
// expected (0: the subject must have no event). It returns the new sequence,
// which becomes e.Seq and the object's resourceVersion. A mismatch is
// ErrConflict.
func (l *Log) Append(ctx context.Context, e *events.Event, expected uint64) (uint64, error) {
	msg, err := events.Encode(e)
	if err != nil {
		return 0, err
	}
	var ack *jetstream.PubAck
	err = rideOut(ctx, func(ctx context.Context) error {
		ack, err = l.js.PublishMsg(ctx, natsMsg(msg), jetstream.WithExpectLastSequencePerSubject(expected))
		return err
	})
	if err != nil {
		if isWrongLastSequence(err) {
			return 0, &events.ConflictError{Subject: msg.Subject, Expected: expected}
		}
		return 0, fmt.Errorf("append %s: %w", msg.Subject, err)
	}
	if ack.Duplicate {
		// A retry of an append that already landed: same event, same sequence.
		e.Seq = ack.Sequence
		return ack.Sequence, nil
	}
	e.Seq = ack.Sequence
	return ack.Sequence, nil
}

func isWrongLastSequence(err error) bool {
	var apiErr *jetstream.APIError
	if errors.As(err, &apiErr) {
		return apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequence ||
			apiErr.ErrorCode == jetstream.JSErrCodeStreamWrongLastSequenceConstant
	}
	return false
}

// Get reads the event stored at seq.
func (l *Log) Get(ctx context.Context, seq uint64) (*events.Event, error) {
	var m *jetstream.RawStreamMsg
	err := rideOut(ctx, func(ctx context.Context) (err error) {
		m, err = l.stream.GetMsg(ctx, seq)
		return err
	})
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, fmt.Errorf("get seq %d: %w", seq, events.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("get seq %d: %w", seq, err)
	}
	return events.Decode(m.Subject, m.Header, m.Data, m.Sequence)
}

// LastFor reads the latest event of one object, or returns (nil, nil).
func (l *Log) LastFor(ctx context.Context, resource, namespace, name string) (*events.Event, error) {
	var m *jetstream.RawStreamMsg
	err := rideOut(ctx, func(ctx context.Context) (err error) {
		m, err = l.stream.GetLastMsgForSubject(ctx, events.Subject(resource, namespace, name))
		return err
	})
	if errors.Is(err, jetstream.ErrMsgNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("last for %s/%s/%s: %w", resource, namespace, name, err)
	}
	return events.Decode(m.Subject, m.Header, m.Data, m.Sequence)
}

// Bounds returns the first and last sequences the stream holds now.
func (l *Log) Bounds(ctx context.Context) (first, last uint64, err error) {
	info, err := l.streamInfo(ctx)
	if err != nil {
		return 0, 0, fmt.Errorf("stream info: %w", err)
	}
	return info.State.FirstSeq, info.State.LastSeq, nil
}

// natsMsg is the NATS message of an encoded event or log record.
func natsMsg(m *events.Message) *nats.Msg {
	return &nats.Msg{Subject: m.Subject, Header: nats.Header(m.Header), Data: m.Data}
}
