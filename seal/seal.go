package seal

import (
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strings"
)

// Resource and Name place checkpoints in the log: one subject,
// jetplane.ev.checkpoints._.log, whose CAS keeps two sealers from
// sealing the same events. No projection stores them (no such kind).
const (
	Resource = "checkpoints"
	Name     = "log"
	// EventType of a checkpoint.
	EventType = "dev.jetplane.checkpoint.sealed"
)

// Message is one stored message as read back from the stream.
type Message struct {
	Seq     uint64
	Subject string
	Header  map[string][]string
	Data    []byte
}

// Digest is the SHA-256 of a message's subject, headers (sorted) and data,
// each length-prefixed so that no two messages share one. NATS' own
// headers (Nats-Expected-Last-Subject-Sequence, Nats-Batch-…, Nats-Msg-Id)
// are the append's preconditions and plumbing, not the event: they are left
// out, and the event's id is in ce-id anyway.
func Digest(m Message) [32]byte {
	h := sha256.New()
	field := func(b []byte) {
		var n [8]byte
		for i, l := 0, uint64(len(b)); i < 8; i++ {
			n[i] = byte(l >> (8 * i))
		}
		h.Write(n[:])
		h.Write(b)
	}
	field([]byte(m.Subject))
	names := make([]string, 0, len(m.Header))
	for k := range m.Header {
		if !strings.HasPrefix(k, "Nats-") {
			names = append(names, k)
		}
	}
	sort.Strings(names)
	for _, k := range names {
		for _, v := range m.Header[k] {
			field([]byte(k))
			field([]byte(v))
		}
	}
	field(m.Data)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// Entry is one sealed message: its sequence and digest (hex).
type Entry struct {
	Seq    uint64 `json:"seq"`
	Digest string `json:"digest"`
}

// Checkpoint is a checkpoint event's data.
type Checkpoint struct {
	// Sealed are the messages since the previous checkpoint, in order,
	// checkpoints excluded.
	Sealed []Entry `json:"sealed"`
	// Prev is the digest of the previous checkpoint message, "" for the
	// first.
	Prev string `json:"prev"`
	// Key is the signer's public key (hex); Signature (base64) signs the
	// other fields (Body).
	Key       string `json:"key"`
	Signature string `json:"signature,omitempty"`
}

// Body is what the signature covers: the checkpoint without it.
func (c Checkpoint) Body() []byte {
	c.Signature = ""
	b, _ := json.Marshal(c) // a struct of strings and numbers always marshals
	return b
}

// Last is the sequence of the last message c seals, 0 when none.
func (c Checkpoint) Last() uint64 {
	if len(c.Sealed) == 0 {
		return 0
	}
	return c.Sealed[len(c.Sealed)-1].Seq
}

// New seals msgs (in order) after the checkpoint message prev (nil for
// the first) with key.
func New(msgs []Message, prev *Message, key ed25519.PrivateKey) Checkpoint {
	c := Checkpoint{Sealed: make([]Entry, len(msgs)), Key: hex.EncodeToString(key.Public().(ed25519.PublicKey))}
	for i, m := range msgs {
		d := Digest(m)
		c.Sealed[i] = Entry{Seq: m.Seq, Digest: hex.EncodeToString(d[:])}
	}
	if prev != nil {
		d := Digest(*prev)
		c.Prev = hex.EncodeToString(d[:])
	}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, c.Body()))
	return c
}

// ErrSignature: a checkpoint not signed by the trusted key.
var ErrSignature = errors.New("checkpoint signature does not verify")

// Check verifies c's signature with the trusted public key.
func (c Checkpoint) Check(trusted ed25519.PublicKey) error {
	if c.Key != hex.EncodeToString(trusted) {
		return fmt.Errorf("%w: signed by key %.16s…, not the trusted key", ErrSignature, c.Key)
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || !ed25519.Verify(trusted, c.Body(), sig) {
		return ErrSignature
	}
	return nil
}
