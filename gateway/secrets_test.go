package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"
	"time"

	"github.com/jetplane/jetplane/events"
	"github.com/jetplane/jetplane/secretenvelope"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func secretJSON(name string, size int) []byte {
	data, _ := json.Marshal(&corev1.Secret{TypeMeta: metav1.TypeMeta{Kind: "Secret", APIVersion: "v1"},
		ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string][]byte{"value": bytes.Repeat([]byte("s"), size)}})
	return data
}

// A key rotation re-wraps every data key under the new cluster key and the
// Secrets still open, history and all; the old key can then go.
func TestSecretKeyRotation(t *testing.T) {
	dir := t.TempDir()
	keys, err := LoadSecretKeyring(dir)
	if err != nil {
		t.Fatal(err)
	}
	g := startGatewayWith(t, nil, func(c *Config) { c.SecretKeys = keys })
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/secrets", secretJSON("s", 10))
	rotated, err := RotateSecretKeyring(dir)
	if err != nil || rotated.Current != 2 {
		t.Fatalf("rotate: %+v %v", rotated, err)
	}
	n, err := RewrapSecretKeys(context.Background(), g.log.SecretKeys(), rotated)
	if err != nil || n != 1 {
		t.Fatalf("rewrap: %d %v", n, err)
	}
	delete(rotated.Keys, 1) // the old key retired
	after := startGatewayWith(t, nil, func(c *Config) { c.Log = g.log; c.SecretKeys = rotated })
	var s corev1.Secret
	if err := json.Unmarshal(after.must(http.StatusOK, "GET", "/api/v1/namespaces/default/secrets/s", nil).body, &s); err != nil ||
		len(s.Data["value"]) != 10 {
		t.Fatalf("after rotation: %v %+v", err, s)
	}
}

// The sweep destroys the data keys of Secrets deleted other than through
// the gateway (a namespace's deletion, the garbage collector), and only
// those old enough to have their Secret's event.
func TestSecretKeySweep(t *testing.T) {
	g := startGateway(t, nil)
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/secrets", secretJSON("kept", 1))
	g.must(http.StatusCreated, "POST", "/api/v1/namespaces/default/secrets", secretJSON("gone", 1))
	gone := g.server.proj.State().Live("secrets", "default", "gone").Object.DeepCopyObject().(*corev1.Secret)
	// A tombstone written straight to the log, as a controller would.
	if _, err := g.log.Write(context.Background(), events.ServiceOrigin("test", "t"),
		events.DeleteWrite(events.MustLookup("secrets"), gone, g.server.proj.State().Live("secrets", "default", "gone").Seq, -1, time.Now())); err != nil {
		t.Fatal(err)
	}
	if n, err := g.server.sweepOnce(context.Background(), time.Now()); err != nil || n != 0 {
		t.Fatalf("a young key went: %d %v", n, err)
	}
	n, err := g.server.sweepOnce(context.Background(), time.Now().Add(sweepGrace+time.Second))
	if err != nil || n != 1 {
		t.Fatalf("sweep: %d %v", n, err)
	}
	if _, err := g.server.secretKeys.dataKey(context.Background(), gone.UID, false); err != secretenvelope.ErrShredded {
		t.Fatalf("the deleted Secret's key: %v", err)
	}
	g.must(http.StatusOK, "GET", "/api/v1/namespaces/default/secrets/kept", nil)
}

// BenchmarkSecretWrite: creating and updating a Secret (a data key made
// and stored, its data sealed) beside a ConfigMap of the same size, through
// the HTTP API in the same run.
func BenchmarkSecretWrite(b *testing.B) {
	value := func(i int) string { return fmt.Sprintf("%1024d", i) }
	cm := func(name string, i int) []byte {
		data, _ := json.Marshal(&corev1.ConfigMap{TypeMeta: metav1.TypeMeta{Kind: "ConfigMap", APIVersion: "v1"},
			ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string]string{"value": value(i)}})
		return data
	}
	secret := func(name string, i int) []byte {
		data, _ := json.Marshal(&corev1.Secret{TypeMeta: metav1.TypeMeta{Kind: "Secret", APIVersion: "v1"},
			ObjectMeta: metav1.ObjectMeta{Name: name}, Data: map[string][]byte{"value": []byte(value(i))}})
		return data
	}
	for _, kind := range []struct {
		name, path string
		body       func(string, int) []byte
	}{
		{"configmap", "/api/v1/namespaces/default/configmaps", cm},
		{"secret", "/api/v1/namespaces/default/secrets", secret},
	} {
		b.Run("create-"+kind.name, func(b *testing.B) {
			g := startGateway(b, nil)
			for i := 0; b.Loop(); i++ {
				g.must(http.StatusCreated, "POST", kind.path, kind.body(fmt.Sprintf("x-%d", i), i))
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
		b.Run("update-"+kind.name, func(b *testing.B) {
			g := startGateway(b, nil)
			g.must(http.StatusCreated, "POST", kind.path, kind.body("x", 0))
			for i := 1; b.Loop(); i++ { // a new value each time: each update is an event
				g.must(http.StatusOK, "PATCH", kind.path+"/x", kind.body("x", i), "Content-Type", "application/merge-patch+json")
			}
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "writes/s")
		})
	}
	b.Run("seal-open-1KiB", func(b *testing.B) {
		dek, _ := secretenvelope.NewDataKey()
		var s corev1.Secret
		_ = json.Unmarshal(secretJSON("x", 1024), &s)
		for b.Loop() {
			stored, err := secretenvelope.Seal(&s, dek)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := secretenvelope.Open(stored, dek); err != nil {
				b.Fatal(err)
			}
		}
	})
}
