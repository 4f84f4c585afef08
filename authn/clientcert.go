package authn

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"time"
)

// ClientCertRequest describes a user's client certificate.
type ClientCertRequest struct {
	User   string
	Groups []string
	// NotBefore is when the certificate starts to be valid (the caller's
	// clock; backdated a minute for skew); Lifetime how long it lasts.
	NotBefore time.Time
	Lifetime  time.Duration
}

// IssueClientCertificate signs a client certificate for a user with the
// cluster CA (its certificate and key as PEM): CN = user, O = groups,
// client-auth usage only, so X509 accepts it and nothing mistakes it for a
// server. It returns the certificate and its new ECDSA P-256 key as PEM,
// what a kubeconfig's client-certificate-data and client-key-data hold.
func IssueClientCertificate(caCertPEM, caKeyPEM []byte, req ClientCertRequest) (certPEM, keyPEM []byte, err error) {
	if req.User == "" {
		return nil, nil, errors.New("authn: client certificate: user name required")
	}
	if req.Lifetime <= 0 {
		return nil, nil, errors.New("authn: client certificate: lifetime must be positive")
	}
	block, _ := pem.Decode(caCertPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, nil, errors.New("authn: client certificate: no CA certificate in PEM")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("authn: client certificate: CA: %w", err)
	}
	caKey, err := ParsePrivateKey(caKeyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("authn: client certificate: CA key: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("authn: client certificate: %w", err)
	}
	sn, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126))
	if err != nil {
		return nil, nil, fmt.Errorf("authn: client certificate: serial: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: sn,
		Subject:      pkix.Name{CommonName: req.User, Organization: req.Groups},
		NotBefore:    req.NotBefore.Add(-time.Minute),
		NotAfter:     req.NotBefore.Add(req.Lifetime),
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("authn: client certificate: sign: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("authn: client certificate: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}
