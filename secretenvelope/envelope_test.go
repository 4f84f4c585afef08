package secretenvelope

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func secret() *corev1.Secret {
	return &corev1.Secret{ObjectMeta: metav1.ObjectMeta{Name: "s", Namespace: "ns", UID: "u-1", Labels: map[string]string{"a": "b"},
		Annotations: map[string]string{corev1.LastAppliedConfigAnnotation: `{"stringData":{"password":"hunter2"}}`, "note": "kept"}},
		Type: corev1.SecretTypeOpaque, Data: map[string][]byte{"password": []byte("hunter2"), "user": []byte("bob")}}
}

func TestSealOpen(t *testing.T) {
	dek, _ := NewDataKey()
	s := secret()
	stored, err := Seal(s, dek)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(stored)
	if bytes.Contains(raw, []byte("hunter2")) || bytes.Contains(raw, []byte("aHVudGVyMg")) || stored.Data != nil {
		t.Fatalf("the stored form shows a value: %s", raw)
	}
	if !strings.HasPrefix(stored.StringData["password"], DigestPrefix) || len(stored.StringData) != 2 || s.Data == nil {
		t.Fatalf("digests %v (and the input must be left alone: %v)", stored.StringData, s.Data)
	}
	again, _ := Seal(s, dek)
	if again.Annotations[SealedAnnotation] == stored.Annotations[SealedAnnotation] || again.StringData["password"] != stored.StringData["password"] {
		t.Fatal("sealing twice: want a fresh nonce and the same digests")
	}
	if stored.Annotations["note"] != "kept" || s.Annotations[corev1.LastAppliedConfigAnnotation] == stored.Annotations[corev1.LastAppliedConfigAnnotation] {
		t.Fatalf("annotations: %v", stored.Annotations)
	}
	opened, err := Open(stored, dek)
	if err != nil || string(opened.Data["password"]) != "hunter2" || opened.StringData != nil || IsSealed(opened) || opened.Labels["a"] != "b" ||
		opened.Annotations[corev1.LastAppliedConfigAnnotation] != s.Annotations[corev1.LastAppliedConfigAnnotation] {
		t.Fatalf("open: %v %+v", err, opened)
	}
	other, _ := NewDataKey()
	if _, err := Open(stored, other); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("open with another key: %v", err)
	}
	moved := stored.DeepCopy()
	moved.Name = "t"
	if _, err := Open(moved, dek); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("sealed data moved to another Secret opened: %v", err)
	}
	if d := Digests(map[string][]byte{"password": []byte("hunter2")}, other); d["password"] == stored.StringData["password"] {
		t.Fatal("a digest under another key is the same: guessable")
	}
	past := Past(stored, true)
	if past.Annotations[StateAnnotation] != StateShredded || IsSealed(past) || past.StringData["password"] == "" {
		t.Fatalf("past view: %+v", past)
	}
}

func TestKeyringWrap(t *testing.T) {
	k1, _ := NewKEK()
	k2, _ := NewKEK()
	old := Keyring{Current: 1, Keys: map[int][]byte{1: k1}}
	dek, _ := NewDataKey()
	w, err := old.Wrap(dek, time.Now())
	if err != nil || w.KEK != 1 || bytes.Contains(w.Sealed, dek) {
		t.Fatalf("wrap: %v %+v", err, w)
	}
	rotated := Keyring{Current: 2, Keys: map[int][]byte{1: k1, 2: k2}}
	got, err := rotated.Unwrap(w)
	if err != nil || !bytes.Equal(got, dek) {
		t.Fatalf("an older key still unwraps: %v", err)
	}
	b, _ := w.Marshal()
	back, err := UnmarshalWrapped(b)
	if err != nil || back.KEK != 1 {
		t.Fatalf("round trip: %v", err)
	}
	if _, err := (Keyring{Current: 2, Keys: map[int][]byte{2: k2}}).Unwrap(w); err == nil {
		t.Fatal("unwrapped without the key that wrapped it")
	}
}
