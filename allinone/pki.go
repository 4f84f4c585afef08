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
	"github.com/jetplane/jetplane/client"
)

// pki is the all-in-one's self-signed certificate authority and the serving
// certificate it signed. kubectl sends a bearer token only over https, so the
// gateway of `jetplane up` serves TLS, and the kubeconfig trusts this CA.
type pki struct {
	CAPEM    []byte
	CAKeyPEM []byte // signs client certificates (jetplane user add, the admin's)
	Cert     tls.Certificate
}

// CAKeyFile is the CA's private key in <data>/pki (0600): whoever reads it
// can mint any user's certificate, system:masters included.
const CAKeyFile = "ca.key"

// CACertFile is the CA's certificate in <data>/pki.
const CACertFile = "ca.crt"

// loadPKI reads the CA and the serving certificate from dir, creating them on
// first start so that a kubeconfig stays valid across restarts. The serving
// certificate names localhost, 127.0.0.1, ::1, the host name and host, and
// the names and address (serviceIP) pods reach the API by: the kubernetes
// Service's, as kube-apiserver's certificate does.
func loadPKI(dir, host, serviceIP string) (*pki, error) {
	caPath, certPath, keyPath := filepath.Join(dir, "ca.crt"), filepath.Join(dir, "server.crt"), filepath.Join(dir, "server.key")
	caKeyPath := filepath.Join(dir, CAKeyFile)
	caPEM, errCA := os.ReadFile(caPath)
	caKeyPEM, errCAKey := os.ReadFile(caKeyPath)
	cert, errCert := tls.LoadX509KeyPair(certPath, keyPath)
	// A directory from before client certificates has no CA key: made anew.
	if errCA == nil && errCAKey == nil && errCert == nil && coversHost(cert, host) {
		return &pki{CAPEM: caPEM, CAKeyPEM: caKeyPEM, Cert: cert}, nil
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
		DNSNames: []string{"localhost", "kubernetes", "kubernetes.default", "kubernetes.default.svc",
			"kubernetes.default.svc.cluster.local"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
	}
	if ip := net.ParseIP(serviceIP); ip != nil {
		srvTmpl.IPAddresses = append(srvTmpl.IPAddresses, ip)
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
	caKeyDER, err := x509.MarshalECPrivateKey(caKey)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	caKeyPEM = pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: caKeyDER})
	for path, data := range map[string][]byte{caPath: caPEM, caKeyPath: caKeyPEM, certPath: certPEM, keyPath: keyPEM} {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			return nil, fmt.Errorf("pki: %w", err)
		}
	}
	if cert, err = tls.X509KeyPair(certPEM, keyPEM); err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	return &pki{CAPEM: caPEM, CAKeyPEM: caKeyPEM, Cert: cert}, nil
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

// AddUser writes a kubeconfig at out for user in groups: a client
// certificate signed by the CA of the data directory dataDir, valid for
// lifetime, and the server and CA of the admin kubeconfig there.
func AddUser(dataDir, user string, groups []string, lifetime time.Duration, out string) error {
	if user == "" {
		return fmt.Errorf("user add: a name is required")
	}
	dir := filepath.Join(dataDir, "pki")
	caPEM, err := os.ReadFile(filepath.Join(dir, CACertFile))
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	caKeyPEM, err := os.ReadFile(filepath.Join(dir, CAKeyFile))
	if err != nil {
		return fmt.Errorf("user add: the CA key (start jetplane up once with this data directory): %w", err)
	}
	admin, err := client.FromKubeconfig(filepath.Join(dataDir, "kubeconfig"))
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	certPEM, keyPEM, err := authn.IssueClientCertificate(caPEM, caKeyPEM, authn.ClientCertRequest{
		User: user, Groups: groups, NotBefore: time.Now(), Lifetime: lifetime})
	if err != nil {
		return fmt.Errorf("user add: %w", err)
	}
	return client.WriteKubeconfig(out, admin.Server, caPEM, user, client.Credentials{ClientCertPEM: certPEM, ClientKeyPEM: keyPEM})
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

// natsTLS is the embedded NATS server's TLS when it listens beyond
// loopback: a serving certificate of the cluster CA for its host, the
// machine's name and loopback, issued at every start.
func natsTLS(p *pki, host string) (*tls.Config, error) {
	hosts := []string{host, "localhost", "127.0.0.1", "::1"}
	if hn, err := os.Hostname(); err == nil {
		hosts = append(hosts, hn)
	}
	certPEM, keyPEM, err := authn.IssueServingCertificate(p.CAPEM, p.CAKeyPEM, authn.ServingCertRequest{
		Name: "jetplane-nats", Hosts: hosts, NotBefore: time.Now(), Lifetime: AdminCertLifetime})
	if err != nil {
		return nil, fmt.Errorf("pki: nats certificate: %w", err)
	}
	cert, err := tls.X509KeyPair(certPEM, keyPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: nats certificate: %w", err)
	}
	return &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}
