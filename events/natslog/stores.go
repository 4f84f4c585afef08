package natslog

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/jetplane/jetplane/events"
	"github.com/nats-io/nats.go/jetstream"
)

// kv is KV over a JetStream key-value bucket.
type kv struct{ b jetstream.KeyValue }

func (k kv) Get(ctx context.Context, key string) (events.KVEntry, error) {
	e, err := k.b.Get(ctx, key)
	if err != nil {
		return events.KVEntry{}, kvError(key, err)
	}
	return entryOf(e), nil
}

func (k kv) Create(ctx context.Context, key string, value []byte) (uint64, error) {
	rev, err := k.b.Create(ctx, key, value)
	return rev, kvError(key, err)
}

func (k kv) Update(ctx context.Context, key string, value []byte, rev uint64) (uint64, error) {
	next, err := k.b.Update(ctx, key, value, rev)
	return next, kvError(key, err)
}

func (k kv) Put(ctx context.Context, key string, value []byte) (uint64, error) {
	rev, err := k.b.Put(ctx, key, value)
	return rev, kvError(key, err)
}

func (k kv) Delete(ctx context.Context, key string, rev uint64) error {
	return kvError(key, k.b.Delete(ctx, key, jetstream.LastRevision(rev)))
}

func (k kv) Watch(ctx context.Context, prefix string, fn func(events.KVEntry)) error {
	w, err := k.b.Watch(ctx, prefix+">", jetstream.IgnoreDeletes())
	if err != nil {
		return fmt.Errorf("watch %s: %w", prefix, err)
	}
	defer func() { _ = w.Stop() }()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case e, ok := <-w.Updates():
			if !ok {
				return nil // the server ended the watch: the caller starts another
			}
			if e != nil { // nil marks the end of the values stored before the watch
				fn(entryOf(e))
			}
		}
	}
}

func (k kv) List(ctx context.Context, prefix string) ([]events.KVEntry, error) {
	w, err := k.b.Watch(ctx, prefix+">", jetstream.IgnoreDeletes())
	if err != nil {
		return nil, fmt.Errorf("list %s: %w", prefix, err)
	}
	defer func() { _ = w.Stop() }()
	var out []events.KVEntry
	for {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case e, ok := <-w.Updates():
			if !ok || e == nil { // nil: the values stored before the watch are all in
				return out, nil
			}
			out = append(out, entryOf(e))
		}
	}
}

func entryOf(e jetstream.KeyValueEntry) events.KVEntry {
	return events.KVEntry{Key: e.Key(), Value: e.Value(), Revision: e.Revision(), Created: e.Created()}
}

// kvError maps JetStream's key errors onto the contract's.
func kvError(key string, err error) error {
	switch {
	case err == nil:
		return nil
	case errors.Is(err, jetstream.ErrKeyNotFound), errors.Is(err, jetstream.ErrKeyDeleted):
		return fmt.Errorf("%s: %w", key, events.ErrNotFound)
	case errors.Is(err, jetstream.ErrKeyRevisionMismatch):
		return fmt.Errorf("%s: %w", key, events.ErrRevisionMismatch)
	case errors.Is(err, jetstream.ErrKeyExists):
		return fmt.Errorf("%s: %w", key, events.ErrKeyExists)
	}
	return fmt.Errorf("%s: %w", key, err)
}

// blobs is BlobStore over a JetStream object store.
type blobs struct{ s jetstream.ObjectStore }

func (b blobs) Get(ctx context.Context, name string) ([]byte, error) {
	data, err := b.s.GetBytes(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return nil, fmt.Errorf("%s: %w", name, events.ErrNotFound)
	}
	return data, err
}

func (b blobs) Put(ctx context.Context, name string, headers map[string][]string, r io.Reader) error {
	_, err := b.s.Put(ctx, jetstream.ObjectMeta{Name: name, Headers: headers}, r)
	return err
}

func (b blobs) Delete(ctx context.Context, name string) error {
	err := b.s.Delete(ctx, name)
	if errors.Is(err, jetstream.ErrObjectNotFound) {
		return fmt.Errorf("%s: %w", name, events.ErrNotFound)
	}
	return err
}
