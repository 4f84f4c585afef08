package natslog_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/nats-io/nats.go"
)

// testCA is a certificate authority of the test's own.
func testCA(t *testing.T) (certPEM, keyPEM []byte) {
	t.Helper()
	key, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test-ca"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, _ := x509.MarshalPKCS8PrivateKey(key)
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER})
}

// A listener beyond loopback serves TLS or does not start; with TLS,
// clients that trust the CA connect and plain ones are turned away.
func TestNonLoopbackListenersServeTLSOnly(t *testing.T) {
	t.Parallel()
	trust, err := natslog.EnsureTrust(t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	if srv, err := natslog.StartEmbedded(natslog.EmbeddedOptions{Dir: t.TempDir(), Host: "0.0.0.0", Trust: trust}); err == nil {
		srv.Shutdown()
		t.Fatal("a plain listener on 0.0.0.0 started")
	} else if !strings.Contains(err.Error(), "needs TLS") {
		t.Fatalf("plain 0.0.0.0: %v", err)
	}
	caPEM, caKeyPEM := testCA(t)
	certPEM, keyPEM, err := authn.IssueServingCertificate(caPEM, caKeyPEM, authn.ServingCertRequest{Name: "nats",
		Hosts: []string{"127.0.0.1", "localhost"}, NotBefore: time.Now(), Lifetime: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := natslog.StartEmbedded(natslog.EmbeddedOptions{Dir: t.TempDir(), Host: "0.0.0.0", Trust: trust,
		TLS: &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	port := srv.Server.Addr().(interface{ String() string }).String()
	url := "nats://127.0.0.1:" + port[strings.LastIndex(port, ":")+1:]
	cfg := natslog.Config{Manage: true, CAPEM: caPEM}
	if cfg.Credentials, err = trust.Mint(natslog.Identity{Role: natslog.RoleOperator}, cfg); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, err := natslog.Dial(ctx, url, "tls-client", cfg)
	if err != nil {
		t.Fatalf("a client trusting the CA: %v", err)
	}
	l.Close()
	if nc, err := nats.Connect(url, nats.MaxReconnects(0)); err == nil {
		nc.Close()
		t.Fatal("a plain client connected")
	}
}
