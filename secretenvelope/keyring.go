package secretenvelope

import (
	"crypto/rand"
	"encoding/json"
	"fmt"
	"time"
)

// Keyring holds the cluster keys (KEKs) by version: Current wraps new data
// keys, the others still unwrap what they wrapped until a rotation has
// re-wrapped every data key under Current.
type Keyring struct {
	Current int
	Keys    map[int][]byte
}

// WrappedKey is a data key wrapped by a cluster key, as the key bucket
// stores it (keyed by the Secret's UID).
type WrappedKey struct {
	KEK     int       `json:"kek"`
	Sealed  []byte    `json:"sealed"` // nonce ‖ ciphertext
	Created time.Time `json:"created"`
}

// NewKEK is a fresh random cluster key.
func NewKEK() ([]byte, error) { return NewDataKey() }

// Wrap wraps dek under the current cluster key.
func (k Keyring) Wrap(dek []byte, now time.Time) (WrappedKey, error) {
	aead, err := newAEAD(k.Keys[k.Current])
	if err != nil {
		return WrappedKey{}, fmt.Errorf("cluster key %d: %w", k.Current, err)
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return WrappedKey{}, fmt.Errorf("wrap: %w", err)
	}
	return WrappedKey{KEK: k.Current, Sealed: aead.Seal(nonce, nonce, dek, []byte("jetplane data key")), Created: now}, nil
}

// Unwrap opens w with the cluster key that wrapped it.
func (k Keyring) Unwrap(w WrappedKey) ([]byte, error) {
	key, ok := k.Keys[w.KEK]
	if !ok {
		return nil, fmt.Errorf("cluster key %d is not in the keyring", w.KEK)
	}
	aead, err := newAEAD(key)
	if err != nil {
		return nil, err
	}
	if len(w.Sealed) < aead.NonceSize() {
		return nil, fmt.Errorf("data key: %w", ErrCorrupt)
	}
	dek, err := aead.Open(nil, w.Sealed[:aead.NonceSize()], w.Sealed[aead.NonceSize():], []byte("jetplane data key"))
	if err != nil {
		return nil, fmt.Errorf("data key: %w", ErrCorrupt)
	}
	return dek, nil
}

// Marshal and UnmarshalWrapped are the bucket's encoding of a wrapped key.
func (w WrappedKey) Marshal() ([]byte, error) { return json.Marshal(w) }

func UnmarshalWrapped(b []byte) (WrappedKey, error) {
	var w WrappedKey
	if err := json.Unmarshal(b, &w); err != nil {
		return WrappedKey{}, fmt.Errorf("data key: %w", ErrCorrupt)
	}
	return w, nil
}
