package authn

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"strings"
	"testing"
	"time"
)

func TestKeys(t *testing.T) {
	ca := newCA(t, "jetplane-ca")
	for _, kt := range []KeyType{KeyECDSA, KeyRSA} {
		t.Run(string(kt), func(t *testing.T) {
			key, keyPEM, err := GenerateKey(kt)
			if err != nil {
				t.Fatal(err)
			}
			again, samePEM, generated, err := LoadOrGenerateKey(keyPEM, kt)
			if err != nil || generated || string(samePEM) != string(keyPEM) {
				t.Fatalf("load: generated=%v err=%v", generated, err)
			}
			switch k := again.(type) {
			case *ecdsa.PrivateKey:
				if !k.Equal(key) {
					t.Error("ECDSA key changed on load")
				}
			case *rsa.PrivateKey:
				if !k.Equal(key) {
					t.Error("RSA key changed on load")
				}
			}
			pubPEM, err := EncodePublicKey(key.Public())
			if err != nil {
				t.Fatal(err)
			}
			// A verifier may be given the public key, the private key file or both.
			pubs, err := ParsePublicKeys(append(pubPEM, keyPEM...))
			if err != nil || len(pubs) != 2 {
				t.Fatalf("public keys %d, %v", len(pubs), err)
			}
		})
	}
	if _, _, generated, err := LoadOrGenerateKey(nil, ""); err != nil || !generated {
		t.Errorf("generate: %v %v", generated, err)
	}
	// The CA's SEC 1 key (allinone/pki) and its certificate read too.
	if _, err := ParsePrivateKey(ca.keyPEM); err != nil {
		t.Error(err)
	}
	if pubs, err := ParsePublicKeys(ca.certPEM); err != nil || len(pubs) != 1 {
		t.Errorf("certificate: %v", err)
	}
	for _, bad := range []string{"", "not pem", string(ca.certPEM)} {
		if _, err := ParsePrivateKey([]byte(bad)); err == nil {
			t.Errorf("ParsePrivateKey(%.20q) accepted", bad)
		}
	}
	if _, err := ParsePublicKeys([]byte("nothing")); err == nil {
		t.Error("ParsePublicKeys accepted no key")
	}
	if _, _, err := GenerateKey("dsa"); err == nil {
		t.Error("unknown key type accepted")
	}
}

func TestIssueClientCertificate(t *testing.T) {
	ca := newCA(t, "jetplane-ca")
	pool, _ := CAPool(ca.certPEM)
	x := X509{Roots: pool, Now: at(t0)}
	for _, tc := range []struct {
		name    string
		req     ClientCertRequest
		caKey   []byte
		wantErr string
		want    User
		ok      bool
	}{
		{name: "bob in dev", req: ClientCertRequest{User: "bob", Groups: []string{"dev"}, NotBefore: t0, Lifetime: 24 * time.Hour},
			want: User{Name: "bob", Groups: []string{"dev"}}, ok: true},
		{name: "no groups", req: ClientCertRequest{User: "carol", NotBefore: t0, Lifetime: time.Hour}, want: User{Name: "carol"}, ok: true},
		{name: "expired", req: ClientCertRequest{User: "bob", NotBefore: t0.Add(-2 * time.Hour), Lifetime: time.Hour}},
		{name: "no user", req: ClientCertRequest{Lifetime: time.Hour}, wantErr: "user name required"},
		{name: "no lifetime", req: ClientCertRequest{User: "bob"}, wantErr: "lifetime"},
		{name: "bad CA key", req: ClientCertRequest{User: "bob", Lifetime: time.Hour}, caKey: []byte("x"), wantErr: "CA key"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			caKey := ca.keyPEM
			if tc.caKey != nil {
				caKey = tc.caKey
			}
			certPEM, keyPEM, err := IssueClientCertificate(ca.certPEM, caKey, tc.req)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if _, err := ParsePrivateKey(keyPEM); err != nil {
				t.Fatal(err)
			}
			cert := parseCert(t, certPEM)
			if len(cert.ExtKeyUsage) != 1 || cert.ExtKeyUsage[0] != x509.ExtKeyUsageClientAuth {
				t.Errorf("usage %v", cert.ExtKeyUsage)
			}
			u, ok, err := x.AuthenticateChain([]*x509.Certificate{cert})
			if ok != tc.ok || (tc.ok && err != nil) || (!tc.ok && err == nil) {
				t.Fatalf("ok=%v err=%v", ok, err)
			}
			if tc.ok && !sameUser(u, tc.want) {
				t.Errorf("user %+v, want %+v", u, tc.want)
			}
		})
	}
}
