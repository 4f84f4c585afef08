package allinone

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"io/fs"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/jetplane/jetplane/authn"
)

// pki is the all-in-one's self-signed certificate authority and the serving
// certificate it signed. kubectl sends a bearer token only over https, so the
// gateway of `jetplane up` serves TLS, and the kubeconfig trusts this CA.
type pki struct {
	CAPEM []byte
	Cert  tls.Certificate
}

// loadPKI reads the CA and the serving certificate from dir, creating them on
// first start so that a kubeconfig stays valid across restarts. The serving
// certificate names localhost, 127.0.0.1, ::1, the host name and host.
func loadPKI(dir, host string) (*pki, error) {
	caPath, certPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	caPEM, errCA := os.ReadFile(caPath)
	cert, errCert := tls.LoadX509KeyPair(certPath, keyPath)
	if errCA == nil && errCert == nil && coversHost(cert, host) {
		return &pki{CAPEM: caPEM, Cert: cert}, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "jetplane-ca"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("pki: ca: %w", err)
	}
	srvKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	srvTmpl := &x509.Certificate{
		SerialNumber: serial(), Subject: pkix.Name{CommonName: "jetplane-gateway"},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0),
		KeyUsage:    x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		DNSNames:    []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if hn, err := os.Hostname(); err == nil {
		srvTmpl.DNSNames = append(srvTmpl.DNSNames, hn)
	}
	if ip := net.ParseIP(host); ip != nil {
		srvTmpl.IPAddresses = append(srvTmpl.IPAddresses, ip)
	} else if host != "" {
		srvTmpl.DNSNames = append(srvTmpl.DNSNames, host)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	srvDER, err := x509.CreateCertificate(rand.Reader, srvTmpl, caCert, &srvKey.PublicKey, caKey)
	if err != nil {
		return nil, fmt.Errorf("pki: serving certificate: %w", err)
	}
	keyDER, err := x509.MarshalECPrivateKey(srvKey)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	caPEM = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})
	certPEM := pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: srvDER})
	keyPEM := pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: keyDER})
	for path, data := range map[string][]byte{caPath: caPEM, certPath: certPEM, keyPath: keyPEM} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
	}
	if cert, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	return &pki{CAPEM: caPEM, Cert: cert}, nil
}

// coversHost tells whether a stored serving certificate is still usable for
// host (the gateway's listen host may change between runs).
func coversHost(cert tls.Certificate, host string) bool {
	if len(cert.Certificate) == 0 {
		return false
	}
	leaf, err := x509.ParseCertificate(cert.Certificate[0])
	if err != nil || time.Now().After(leaf.NotAfter) {
		return false
	}
	if host == "" || host == "0.0.0.0" || host == "::" {
		return true
	}
	return leaf.VerifyHostname(host) == nil
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		panic(errors.Join(errors.New("pki: no randomness"), err))
	}
	return n
}

// loadServiceAccountKey reads the key that signs and verifies ServiceAccount
// tokens from dir/sa.key, generating it (0600) on first start: a token
// handed out before a restart stays valid after it, as long as the key file
// is kept.
func loadServiceAccountKey(dir string) (crypto.Signer, error) {
	path := filepath.Join(dir, "sa.key")
	existing, err := os.ReadFile(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("service account key: %w", err)
	}
	key, keyPEM, generated, err := authn.LoadOrGenerateKey(existing, authn.KeyECDSA)
	if err != nil {
		return nil, fmt.Errorf("service account key %s: %w", path, err)
	}
	if !generated {
		return key, nil
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("service account key: %w", err)
	}
	if err := os.WriteFile(path, keyPEM, 0o600); err != nil {
		return nil, fmt.Errorf("service account key: %w", err)
	}
	return key, nil
}
