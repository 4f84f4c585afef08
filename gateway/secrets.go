package gateway

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/secretenvelope"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/types"
)

// Secrets in the log are sealed (secretenvelope): the gateway seals each
// Secret it writes with that Secret's data key and opens what it answers
// with. Data keys live in the secretkeys bucket, wrapped by the cluster
// keys of the gateway's keyring (files of the data directory, never in
// NATS); deleting a Secret destroys its data key.

// LoadSecretKeyring reads the cluster keys in dir (kek-<n>, 32 bytes each,
// the highest n current), making kek-1 when there is none.
func LoadSecretKeyring(dir string) (*secretenvelope.Keyring, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("secret keys: %w", err)
	}
	kr, err := readKeyring(dir)
	if err != nil || len(kr.Keys) > 0 {
		return kr, err
	}
	if err := writeNewKEK(dir, 1); err != nil {
		return nil, err
	}
	return readKeyring(dir)
}

// RotateSecretKeyring adds the next cluster key to dir; data keys are
// re-wrapped under it by RewrapSecretKeys.
func RotateSecretKeyring(dir string) (*secretenvelope.Keyring, error) {
	kr, err := LoadSecretKeyring(dir)
	if err != nil {
		return nil, err
	}
	if err := writeNewKEK(dir, kr.Current+1); err != nil {
		return nil, err
	}
	return readKeyring(dir)
}

func readKeyring(dir string) (*secretenvelope.Keyring, error) {
	names, err := filepath.Glob(filepath.Join(dir, "kek-*"))
	if err != nil {
		return nil, fmt.Errorf("secret keys: %w", err)
	}
	kr := &secretenvelope.Keyring{Keys: map[int][]byte{}}
	for _, name := range names {
		n, err := strconv.Atoi(strings.TrimPrefix(filepath.Base(name), "kek-"))
		if err != nil || n < 1 {
			continue
		}
		key, err := os.ReadFile(name)
		if err != nil {
			return nil, fmt.Errorf("secret keys: %w", err)
		}
		if len(key) != secretenvelope.DataKeySize {
			return nil, fmt.Errorf("secret keys: %s holds %d bytes, want %d", name, len(key), secretenvelope.DataKeySize)
		}
		kr.Keys[n] = key
		kr.Current = max(kr.Current, n)
	}
	return kr, nil
}

func writeNewKEK(dir string, n int) error {
	key, err := secretenvelope.NewKEK()
	if err != nil {
		return err
	}
	f, err := os.OpenFile(filepath.Join(dir, fmt.Sprintf("kek-%d", n)), os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("secret keys: %w", err)
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return fmt.Errorf("secret keys: %w", err)
	}
	return f.Close()
}

// secretKeys are the data keys, by Secret UID, over the bucket.
type secretKeys struct {
	ring   *secretenvelope.Keyring
	bucket events.KV
	mu     sync.Mutex
	cache  map[types.UID][]byte
}

// errNoKeyring refuses Secret writes on a gateway started without keys.
var errNoKeyring = apierrors.NewServiceUnavailable("this gateway holds no secret keys (gateway --secret-keys): Secrets cannot be written or read")

// dataKey is uid's data key; with create, a new one is made and stored
// when it has none (its Secret is being created).
func (k *secretKeys) dataKey(ctx context.Context, uid types.UID, create bool) ([]byte, error) {
	if k.ring == nil {
		return nil, errNoKeyring
	}
	k.mu.Lock()
	dek, ok := k.cache[uid]
	k.mu.Unlock()
	if ok {
		return dek, nil
	}
	e, err := k.bucket.Get(ctx, string(uid))
	if errors.Is(err, events.ErrNotFound) && create {
		return k.newDataKey(ctx, uid)
	}
	if errors.Is(err, events.ErrNotFound) {
		return nil, secretenvelope.ErrShredded
	}
	if err != nil {
		return nil, err
	}
	w, err := secretenvelope.UnmarshalWrapped(e.Value)
	if err != nil {
		return nil, err
	}
	if dek, err = k.ring.Unwrap(w); err != nil {
		return nil, err
	}
	k.remember(uid, dek)
	return dek, nil
}

func (k *secretKeys) newDataKey(ctx context.Context, uid types.UID) ([]byte, error) {
	dek, err := secretenvelope.NewDataKey()
	if err != nil {
		return nil, err
	}
	w, err := k.ring.Wrap(dek, time.Now())
	if err != nil {
		return nil, err
	}
	b, err := w.Marshal()
	if err != nil {
		return nil, err
	}
	if _, err := k.bucket.Create(ctx, string(uid), b); errors.Is(err, events.ErrKeyExists) {
		return k.dataKey(ctx, uid, false) // another gateway made it first
	} else if err != nil {
		return nil, fmt.Errorf("store data key: %w", err)
	}
	k.remember(uid, dek)
	return dek, nil
}

func (k *secretKeys) remember(uid types.UID, dek []byte) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if k.cache == nil {
		k.cache = map[types.UID][]byte{}
	}
	k.cache[uid] = dek
}

// shred destroys uid's data key: every value its Secret ever had is gone.
func (k *secretKeys) shred(ctx context.Context, uid types.UID) error {
	k.mu.Lock()
	delete(k.cache, uid)
	k.mu.Unlock()
	e, err := k.bucket.Get(ctx, string(uid))
	if errors.Is(err, events.ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	return k.bucket.Delete(ctx, string(uid), e.Revision)
}

// sealed is w with its Secret in its stored form; other writes, and
// Secrets already sealed (a delete or a restore writes the stored object
// back), are returned as they are. A sealed Secret whose data key is gone
// cannot be written back: its values were shredded.
func (s *Server) sealed(ctx context.Context, w events.Write) (events.Write, error) {
	sec, ok := w.Object.(*corev1.Secret)
	if !ok {
		return w, nil
	}
	if secretenvelope.IsSealed(sec) {
		if w.Change == events.Deleted {
			return w, nil
		}
		if _, err := s.secretKeys.dataKey(ctx, sec.UID, false); err != nil {
			return w, secretError(sec, err)
		}
		return w, nil
	}
	dek, err := s.secretKeys.dataKey(ctx, sec.UID, true)
	if err != nil {
		return w, secretError(sec, err)
	}
	stored, err := secretenvelope.Seal(sec, dek)
	if err != nil {
		return w, err
	}
	w.Object = stored
	return w, nil
}

// opened is obj with a sealed Secret's values back, for an answer or as
// the base of a change.
func (s *Server) opened(ctx context.Context, obj events.Object) (events.Object, error) {
	sec, ok := obj.(*corev1.Secret)
	if !ok || !secretenvelope.IsSealed(sec) {
		return obj, nil
	}
	dek, err := s.secretKeys.dataKey(ctx, sec.UID, false)
	if err != nil {
		return nil, secretError(sec, err)
	}
	out, err := secretenvelope.Open(sec, dek)
	if err != nil {
		return nil, secretError(sec, err)
	}
	events.MustLookup("secrets").SetTypeMeta(out)
	return out, nil
}

// pastSecret is a Secret as a read of the past shows it: keys and digests,
// and whether its values were shredded.
func (s *Server) pastSecret(ctx context.Context, obj events.Object) events.Object {
	sec, ok := obj.(*corev1.Secret)
	if !ok || !secretenvelope.IsSealed(sec) {
		return obj
	}
	_, err := s.secretKeys.dataKey(ctx, sec.UID, false)
	out := secretenvelope.Past(sec, errors.Is(err, secretenvelope.ErrShredded))
	events.MustLookup("secrets").SetTypeMeta(out)
	return out
}

// secretError is a Kubernetes Status for a Secret that cannot be sealed
// or opened.
func secretError(sec *corev1.Secret, err error) error {
	var status apierrors.APIStatus
	switch {
	case errors.As(err, &status):
		return err
	case errors.Is(err, secretenvelope.ErrShredded):
		return apierrors.NewGone(fmt.Sprintf("secret %s/%s: its values were shredded when it was deleted (its data key is destroyed)", sec.Namespace, sec.Name))
	}
	return apierrors.NewInternalError(fmt.Errorf("secret %s/%s: %w", sec.Namespace, sec.Name, err))
}

// RewrapSecretKeys wraps every data key in bucket under kr's current key
// (after RotateSecretKeyring), so that older cluster keys may be retired.
// The log is untouched: its sealed data stays under the same data keys.
func RewrapSecretKeys(ctx context.Context, bucket events.KV, kr *secretenvelope.Keyring) (int, error) {
	entries, err := bucket.List(ctx, "")
	if err != nil {
		return 0, err
	}
	sort.Slice(entries, func(i, j int) bool { return entries[i].Key < entries[j].Key })
	n := 0
	for _, e := range entries {
		w, err := secretenvelope.UnmarshalWrapped(e.Value)
		if err != nil {
			return n, fmt.Errorf("data key %s: %w", e.Key, err)
		}
		if w.KEK == kr.Current {
			continue
		}
		dek, err := kr.Unwrap(w)
		if err != nil {
			return n, fmt.Errorf("data key %s: %w", e.Key, err)
		}
		nw, err := kr.Wrap(dek, w.Created)
		if err != nil {
			return n, err
		}
		b, err := nw.Marshal()
		if err != nil {
			return n, err
		}
		if _, err := bucket.Update(ctx, e.Key, b, e.Revision); err != nil && !errors.Is(err, events.ErrRevisionMismatch) {
			return n, fmt.Errorf("data key %s: %w", e.Key, err)
		}
		n++
	}
	return n, nil
}
