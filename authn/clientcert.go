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
	"net"
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
	return issue(caCertPEM, caKeyPEM, req.NotBefore, req.Lifetime, &x509.Certificate{
		Subject:     pkix.Name{CommonName: req.User, Organization: req.Groups},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	})
}

// ServingCertRequest describes a server's certificate (a NATS listener's).
type ServingCertRequest struct {
	Name      string   // common name
	Hosts     []string // DNS names and IP addresses it serves on
	NotBefore time.Time
	Lifetime  time.Duration
	// Peer also allows client use: cluster routes authenticate each other
	// with the same certificate.
	Peer bool
}

// IssueServingCertificate signs a serving certificate for hosts with the
// cluster CA; it returns the certificate and its new key as PEM.
func IssueServingCertificate(caCertPEM, caKeyPEM []byte, req ServingCertRequest) (certPEM, keyPEM []byte, err error) {
	tmpl := &x509.Certificate{Subject: pkix.Name{CommonName: req.Name},
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	if req.Peer {
		tmpl.ExtKeyUsage = append(tmpl.ExtKeyUsage, x509.ExtKeyUsageClientAuth)
	}
	for _, h := range req.Hosts {
		if ip := net.ParseIP(h); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if h != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, h)
		}
	}
	return issue(caCertPEM, caKeyPEM, req.NotBefore, req.Lifetime, tmpl)
}

// issue signs tmpl (subject, usages, names) with the CA for a new ECDSA
// P-256 key, valid from notBefore (backdated a minute for skew) for lifetime.
func issue(caCertPEM, caKeyPEM []byte, notBefore time.Time, lifetime time.Duration, tmpl *x509.Certificate) (certPEM, keyPEM []byte, err error) {
	if lifetime <= 0 {
		return nil, nil, errors.New("authn: certificate: lifetime must be positive")
	}
	block, _ := pem.Decode(caCertPEM)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, nil, errors.New("authn: certificate: no CA certificate in PEM")
	}
	ca, err := x509.ParseCertificate(block.Bytes)
	if err != nil {
		return nil, nil, fmt.Errorf("authn: certificate: CA: %w", err)
	}
	caKey, err := ParsePrivateKey(caKeyPEM)
	if err != nil {
		return nil, nil, fmt.Errorf("authn: certificate: CA key: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("authn: certificate: %w", err)
	}
	if tmpl.SerialNumber, err = rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 126)); err != nil {
		return nil, nil, fmt.Errorf("authn: certificate: serial: %w", err)
	}
	tmpl.NotBefore, tmpl.NotAfter = notBefore.Add(-time.Minute), notBefore.Add(lifetime)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return nil, nil, fmt.Errorf("authn: certificate: sign: %w", err)
	}
	keyDER, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("authn: certificate: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}),
		pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: keyDER}), nil
}
