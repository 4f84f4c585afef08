package secretenvelope

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

const (
	// SealedAnnotation holds a stored Secret's sealed data:
	// "v1:" + base64(nonce ‖ ciphertext). The gateway strips it from
	// every answer.
	SealedAnnotation = "jetplane.dev/sealed-data"
	// StateAnnotation is set on a Secret read from the past: "sealed"
	// (values not shown) or "shredded" (its data key was destroyed).
	StateAnnotation = "jetplane.dev/secret-data"
	// DigestPrefix begins each value's digest in a stored Secret's
	// stringData.
	DigestPrefix  = "sealed:hmac-sha256:"
	sealedVersion = "v1:"
)

// Past states of a Secret's values.
const (
	StateSealed   = "sealed: values are not shown in the past, only a digest of each"
	StateShredded = "shredded: the Secret was deleted and its data key destroyed; its values cannot be recovered"
)

// sealedAnnotations are sealed with the data: kubectl apply keeps the
// whole manifest, values and all, in the last-applied annotation.
var sealedAnnotations = []string{corev1.LastAppliedConfigAnnotation}

// payload is what a Secret's sealed data holds.
type payload struct {
	Data        map[string][]byte `json:"data"`
	Annotations map[string]string `json:"annotations,omitempty"`
}

// DataKeySize is the length of a data key (AES-256).
const DataKeySize = 32

var (
	// ErrShredded: the data key is gone, and with it the values.
	ErrShredded = errors.New("secret data shredded: its data key was destroyed")
	// ErrCorrupt: sealed data that does not open with its key.
	ErrCorrupt = errors.New("sealed secret data does not open")
)

// NewDataKey is a fresh random data key.
func NewDataKey() ([]byte, error) {
	k := make([]byte, DataKeySize)
	if _, err := rand.Read(k); err != nil {
		return nil, fmt.Errorf("data key: %w", err)
	}
	return k, nil
}

// IsSealed tells whether s is in its stored form.
func IsSealed(s *corev1.Secret) bool {
	_, ok := s.Annotations[SealedAnnotation]
	return ok
}

// binding is the additional data a Secret's ciphertext is bound to: moved
// to another object, it does not open.
func binding(s *corev1.Secret) []byte {
	return []byte(string(s.UID) + "/" + s.Namespace + "/" + s.Name)
}

// Seal returns s in its stored form: data sealed with dek in an
// annotation, stringData the digest of each value, no data. s must carry
// its values in data (stringData already merged) and is not changed.
func Seal(s *corev1.Secret, dek []byte) (*corev1.Secret, error) {
	out := s.DeepCopy()
	p := payload{Data: s.Data}
	for _, a := range sealedAnnotations {
		if v, ok := s.Annotations[a]; ok {
			if p.Annotations == nil {
				p.Annotations = map[string]string{}
			}
			p.Annotations[a] = v
			out.Annotations[a] = DigestPrefix + hex.EncodeToString(mac(mac(dek, []byte("jetplane annotation digest")), []byte(v))[:16])
		}
	}
	plain, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("seal secret %s/%s: %w", s.Namespace, s.Name, err)
	}
	aead, err := newAEAD(dek)
	if err != nil {
		return nil, err
	}
	nonce := make([]byte, aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("seal secret: %w", err)
	}
	sealed := aead.Seal(nonce, nonce, plain, binding(s))
	if out.Annotations == nil {
		out.Annotations = map[string]string{}
	}
	out.Annotations[SealedAnnotation] = sealedVersion + base64.StdEncoding.EncodeToString(sealed)
	out.StringData = Digests(s.Data, dek)
	out.Data = nil
	return out, nil
}

// Open returns the stored s with its values back in data, the stored-form
// fields gone. A Secret not sealed is returned as it is.
func Open(s *corev1.Secret, dek []byte) (*corev1.Secret, error) {
	if !IsSealed(s) {
		return s.DeepCopy(), nil
	}
	text, ok := strings.CutPrefix(s.Annotations[SealedAnnotation], sealedVersion)
	if !ok {
		return nil, fmt.Errorf("secret %s/%s: %w (unknown version)", s.Namespace, s.Name, ErrCorrupt)
	}
	sealed, err := base64.StdEncoding.DecodeString(text)
	if err != nil {
		return nil, fmt.Errorf("secret %s/%s: %w", s.Namespace, s.Name, ErrCorrupt)
	}
	aead, err := newAEAD(dek)
	if err != nil {
		return nil, err
	}
	if len(sealed) < aead.NonceSize() {
		return nil, fmt.Errorf("secret %s/%s: %w", s.Namespace, s.Name, ErrCorrupt)
	}
	plain, err := aead.Open(nil, sealed[:aead.NonceSize()], sealed[aead.NonceSize():], binding(s))
	if err != nil {
		return nil, fmt.Errorf("secret %s/%s: %w", s.Namespace, s.Name, ErrCorrupt)
	}
	var p payload
	if err := json.Unmarshal(plain, &p); err != nil {
		return nil, fmt.Errorf("secret %s/%s: %w", s.Namespace, s.Name, ErrCorrupt)
	}
	out := Stripped(s)
	out.Data = p.Data
	for k, v := range p.Annotations {
		if out.Annotations == nil {
			out.Annotations = map[string]string{}
		}
		out.Annotations[k] = v
	}
	return out, nil
}

// Stripped is a copy of the stored s without its sealed data nor digests.
func Stripped(s *corev1.Secret) *corev1.Secret {
	out := s.DeepCopy()
	delete(out.Annotations, SealedAnnotation)
	for _, a := range sealedAnnotations {
		if strings.HasPrefix(out.Annotations[a], DigestPrefix) {
			delete(out.Annotations, a)
		}
	}
	if len(out.Annotations) == 0 {
		out.Annotations = nil
	}
	out.StringData, out.Data = nil, nil
	return out
}

// Past is the stored s as a read of the past shows it: its keys with the
// digest of each value, the sealed data left out, and whether the values
// still exist (shredded: the data key is gone).
func Past(s *corev1.Secret, shredded bool) *corev1.Secret {
	if !IsSealed(s) {
		return s.DeepCopy()
	}
	out := s.DeepCopy()
	delete(out.Annotations, SealedAnnotation)
	out.Annotations[StateAnnotation] = StateSealed
	if shredded {
		out.Annotations[StateAnnotation] = StateShredded
	}
	return out
}

// Digests is a keyed digest of each value: equal values of one Secret have
// equal digests, and without dek none can be checked against a guess.
func Digests(data map[string][]byte, dek []byte) map[string]string {
	if len(data) == 0 {
		return nil
	}
	macKey := mac(dek, []byte("jetplane secret value digest"))
	out := make(map[string]string, len(data))
	for k, v := range data {
		out[k] = DigestPrefix + hex.EncodeToString(mac(macKey, append([]byte(k+"\x00"), v...))[:16])
	}
	return out
}

func mac(key, msg []byte) []byte {
	h := hmac.New(sha256.New, key)
	h.Write(msg)
	return h.Sum(nil)
}

func newAEAD(key []byte) (cipher.AEAD, error) {
	if len(key) != DataKeySize {
		return nil, fmt.Errorf("secret key: %d bytes, want %d", len(key), DataKeySize)
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	return cipher.NewGCM(block)
}
