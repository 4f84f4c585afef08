package events

import (
	"context"
	"errors"
	"io"
	"time"
)

// The ports: what services need of the log and its side stores, as small
// interfaces the JetStream adapter (events/natslog) implements. Code outside
// the adapter and cmd depends on these, never on nats.go.

// Handler receives each event in sequence order. A message that cannot be
// decoded arrives as a bare event carrying only its Seq, with the decode
// error, so followers can account for it without stopping.
type Handler func(ev *Event, decodeErr error) error

// Appender is the one append path: every write carries the expected last
// sequence of its subject (CAS); a mismatch is ErrConflict.
type Appender interface {
	// Append stores e if the last event on its subject has sequence
	// expected (0: none) and returns the new sequence.
	Append(ctx context.Context, e *Event, expected uint64) (uint64, error)
	// Write builds the event of w and appends it; the object's
	// resourceVersion becomes the new sequence.
	Write(ctx context.Context, o Origin, w Write) (*Event, error)
	// WriteAtomic appends writes in atomic batches: every write of a batch
	// lands, each with its own CAS expectation, or none does. Any number of
	// writes: the adapter splits them into the largest batches the server
	// takes; it stops at the first batch that fails, the earlier ones stay
	// written, and it returns the events written.
	WriteAtomic(ctx context.Context, o Origin, ws []Write) ([]*Event, error)
}

// Reader reads the event log.
type Reader interface {
	// Follow delivers the events matching filter from sequence from in
	// order, with no gap and no duplicate, then new ones until ctx ends.
	Follow(ctx context.Context, filter string, from uint64, fn Handler) error
	// Replay is Follow that ends at sequence to (0: the last one now).
	Replay(ctx context.Context, filter string, from, to uint64, fn Handler) error
	// Get reads the event at seq; ErrNotFound when there is none.
	Get(ctx context.Context, seq uint64) (*Event, error)
	// LastFor reads one object's latest event, or (nil, nil).
	LastFor(ctx context.Context, resource, namespace, name string) (*Event, error)
	// Bounds are the first and last sequences the log holds now.
	Bounds(ctx context.Context) (first, last uint64, err error)
	// SeqAt is the first sequence stored at or after t.
	SeqAt(ctx context.Context, t time.Time) (uint64, error)
}

// Store is what a projection needs: the log to read and a place for its
// snapshots, with the policy for taking them.
type Store interface {
	Reader
	Snapshots() BlobStore
	SnapshotPolicy() SnapshotPolicy
}

// SnapshotPolicy says when a projection snapshots its state.
type SnapshotPolicy struct {
	// Every: after this many events (0: never by count).
	Every uint64
	// Interval: when this much time went by and an event came (0: never by time).
	Interval time.Duration
}

// Errors of the side stores. Match them with errors.Is.
var (
	// ErrNotFound: no such key, blob or message.
	ErrNotFound = errors.New("not found")
	// ErrKeyExists: a create found the key taken.
	ErrKeyExists = errors.New("key exists")
	// ErrRevisionMismatch: the key moved past the expected revision.
	ErrRevisionMismatch = errors.New("key revision mismatch")
	// ErrSecretRefused: a node asked for a Secret no pod of its uses.
	ErrSecretRefused = errors.New("no pod bound to this node uses that secret")
	// ErrTokenRefused: a node asked for a token of a ServiceAccount no pod
	// of its runs as.
	ErrTokenRefused = errors.New("no such pod bound to this node runs as that service account")
)

// KVEntry is one key's value and the revision that is its CAS token.
type KVEntry struct {
	Key      string
	Value    []byte
	Revision uint64
	Created  time.Time // when this revision was stored
}

// KV is a key-value bucket with revisions as compare-and-swap: leases
// (heartbeats, leadership) and allocations (cluster IPs, node ports).
type KV interface {
	// Get reads a key; ErrNotFound when it has no value.
	Get(ctx context.Context, key string) (KVEntry, error)
	// Create stores a value only where the key has none (ErrKeyExists).
	Create(ctx context.Context, key string, value []byte) (uint64, error)
	// Update stores a value only over revision rev (ErrRevisionMismatch).
	Update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error)
	// Put stores a value unconditionally.
	Put(ctx context.Context, key string, value []byte) (uint64, error)
	// Delete removes a key only at revision rev.
	Delete(ctx context.Context, key string, rev uint64) error
	// Watch calls fn with the current value of every key under prefix, then
	// with each change, until ctx ends (ctx's error), the server ends the
	// watch (nil: start another) or it fails.
	Watch(ctx context.Context, prefix string, fn func(KVEntry)) error
	// List reads the current value of every key under prefix.
	List(ctx context.Context, prefix string) ([]KVEntry, error)
}

// BlobStore keeps named blobs (projection snapshots).
type BlobStore interface {
	// Get reads a blob; ErrNotFound when there is none.
	Get(ctx context.Context, name string) ([]byte, error)
	// Put stores a blob with headers describing it.
	Put(ctx context.Context, name string, headers map[string][]string, r io.Reader) error
	// Delete removes a blob.
	Delete(ctx context.Context, name string) error
}

// LogInfo is the state and retention of the event log.
type LogInfo struct {
	FirstSeq, LastSeq   uint64
	FirstTime, LastTime time.Time
	Events, Bytes       uint64
	MaxAge              time.Duration // 0: no limit
	MaxBytes            int64         // <= 0: no limit
	Leader              string        // the server leading the stream (a cluster), or ""
}
