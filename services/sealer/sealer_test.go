package sealer_test

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"fmt"
	"testing"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/events/eventstest"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/services/sealer"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// sealedLog is a log of n pod creations, the sealer asked after each with
// a checkpoint every `every` events; it returns the log and the seal key.
func sealedLog(t *testing.T, n, every int) (*natslog.Log, ed25519.PublicKey) {
	t.Helper()
	l := eventstest.Log(t)
	ctx := context.Background()
	pub, key, _ := ed25519.GenerateKey(rand.Reader)
	cfg := sealer.Config{Log: l, Key: key, Every: every}
	pods := events.MustLookup("pods")
	o := events.Origin{Source: "jetplane/test", Actor: "tester"}
	for i := range n {
		p := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: fmt.Sprintf("p%d", i), Namespace: "default"}}
		if _, err := l.Write(ctx, o, events.Write{Resource: pods, Change: events.Created, Object: p}); err != nil {
			t.Fatal(err)
		}
		if _, err := sealer.SealOnce(ctx, cfg); err != nil {
			t.Fatal(err)
		}
	}
	return l, pub
}

func TestSealAndVerify(t *testing.T) {
	t.Parallel()
	l, pub := sealedLog(t, 8, 3)
	ctx := context.Background()
	res, err := sealer.Verify(ctx, l, pub, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Finding != nil || res.Checkpoints != 2 || res.Sealed != 6 || res.Unsealed != 2 {
		t.Fatalf("verify: %+v (%v)", res, res.Finding)
	}
	t.Logf("%+v", res)
}

// What is left to an operator — recreating EVENTS without one message —
// is caught, and named: the sequence of the message that went missing.
func TestVerifyNamesTheMissingSequence(t *testing.T) {
	t.Parallel()
	l, pub := sealedLog(t, 12, 4)
	ctx := context.Background()
	if res, err := sealer.Verify(ctx, l, pub, 0); err != nil || res.Finding != nil {
		t.Fatalf("before: %+v, %v", res, err)
	}
	if err := l.RewriteWithout(ctx, 7); err != nil {
		t.Fatal(err)
	}
	res, err := sealer.Verify(ctx, l, pub, 0)
	if err != nil {
		t.Fatal(err)
	}
	if res.Finding == nil || res.Finding.Seq != 7 || res.Finding.Problem != "missing" {
		t.Fatalf("after removing seq 7: %+v (%v)", res, res.Finding)
	}
	t.Log(res.Finding)
}
