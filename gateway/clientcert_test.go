package gateway

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/json"
	"encoding/pem"
	"math/big"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/events/eventstest"
	authenticationv1 "k8s.io/api/authentication/v1"
)

// testCA is a certificate authority made for one test.
func testCA(t *testing.T, name string) (certPEM, keyPEM []byte) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
}

// Client certificates: one of the cluster CA is its subject's user; one of
// another CA, or expired, is a 401 (never anonymous).
func TestClientCertificates(t *testing.T) {
	t.Parallel()
	caPEM, caKeyPEM := testCA(t, "cluster-ca")
	otherPEM, otherKeyPEM := testCA(t, "someone-elses-ca")
	pool, err := authn.CAPool(caPEM)
	if err != nil {
		t.Fatal(err)
	}
	cfg := withAdmin(Config{Log: eventstest.Log(t), Instance: "test", ClientCAs: pool, Anonymous: true})
	s, err := New(t.Context(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(s.Handler())
	srv.TLS = &tls.Config{ClientAuth: tls.RequestClientCert}
	srv.StartTLS()
	t.Cleanup(srv.Close)

	whoami := func(caPEM, caKeyPEM []byte, notBefore time.Time, lifetime time.Duration) (int, authenticationv1.UserInfo) {
		t.Helper()
		certPEM, keyPEM, err := authn.IssueClientCertificate(caPEM, caKeyPEM, authn.ClientCertRequest{
			User: "erin", Groups: []string{"dev", "ops"}, NotBefore: notBefore, Lifetime: lifetime})
		if err != nil {
			t.Fatal(err)
		}
		cert, err := tls.X509KeyPair(certPEM, keyPEM)
		if err != nil {
			t.Fatal(err)
		}
		// A transport of its own: a reused connection would present the
		// certificate it was opened with.
		tr := srv.Client().Transport.(*http.Transport).Clone()
		tr.TLSClientConfig.Certificates = []tls.Certificate{cert}
		c := &http.Client{Transport: tr}
		defer tr.CloseIdleConnections()
		resp, err := c.Post(srv.URL+"/apis/authentication.k8s.io/v1/selfsubjectreviews", "application/json",
			strings.NewReader(`{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}`))
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var rev authenticationv1.SelfSubjectReview
		_ = json.NewDecoder(resp.Body).Decode(&rev)
		return resp.StatusCode, rev.Status.UserInfo
	}
	code, u := whoami(caPEM, caKeyPEM, time.Now(), time.Hour)
	if code != http.StatusCreated || u.Username != "erin" || strings.Join(u.Groups, ",") != "dev,ops,system:authenticated" {
		t.Fatalf("cluster CA's certificate: %d %+v", code, u)
	}
	// Anonymous requests are on here, and still a bad certificate is a 401.
	if code, u := whoami(otherPEM, otherKeyPEM, time.Now(), time.Hour); code != http.StatusUnauthorized {
		t.Fatalf("another CA's certificate: %d %+v", code, u)
	}
	if code, _ := whoami(caPEM, caKeyPEM, time.Now().Add(-3*time.Hour), time.Hour); code != http.StatusUnauthorized {
		t.Fatalf("expired certificate: %d", code)
	}
}
