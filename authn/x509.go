package authn

import (
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"time"
)

// X509 authenticates a verified TLS client certificate: the subject's
// common name is the user, its organizations the groups (Kubernetes'
// CommonNameUserConversion). The gateway's TLS listener must request client
// certificates without verifying them itself (tls.RequestClientCert), so
// that a bad one is a 401 Status rather than a failed handshake.
type X509 struct {
	// Roots is the cluster CA pool (CAPool).
	Roots *x509.CertPool
	// Now judges expiry; time.Now when nil.
	Now func() time.Time
}

// CAPool reads PEM certificates into a pool.
func CAPool(caPEM []byte) (*x509.CertPool, error) {
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("authn: no CA certificate in PEM")
	}
	return pool, nil
}

// AuthenticateRequest implements Authenticator.
func (a X509) AuthenticateRequest(r *http.Request) (User, bool, error) {
	if r.TLS == nil || len(r.TLS.PeerCertificates) == 0 {
		return User{}, false, nil
	}
	return a.AuthenticateChain(r.TLS.PeerCertificates)
}

// AuthenticateChain verifies a presented chain (leaf first) and maps the
// leaf to its user.
func (a X509) AuthenticateChain(certs []*x509.Certificate) (User, bool, error) {
	if len(certs) == 0 {
		return User{}, false, nil
	}
	if a.Roots == nil {
		// Without a pool Verify would trust the system roots: refuse instead.
		return User{}, false, fmt.Errorf("%w: no CA configured", ErrInvalidCertificate)
	}
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	leaf := certs[0]
	opts := x509.VerifyOptions{
		Roots:         a.Roots,
		Intermediates: x509.NewCertPool(),
		CurrentTime:   now(),
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	for _, c := range certs[1:] {
		opts.Intermediates.AddCert(c)
	}
	if _, err := leaf.Verify(opts); err != nil {
		return User{}, false, fmt.Errorf("%w: verifying certificate %s failed: %w", ErrInvalidCertificate, certID(leaf), err)
	}
	// A verified certificate without a common name names nobody; as in
	// Kubernetes the next authenticator is asked.
	if leaf.Subject.CommonName == "" {
		return User{}, false, nil
	}
	return User{Name: leaf.Subject.CommonName, Groups: leaf.Subject.Organization}, true, nil
}

// certID names a certificate in an error, as kube-apiserver's log does.
func certID(c *x509.Certificate) string {
	return fmt.Sprintf("SN=%s, CN=%q, issuer=%q", c.SerialNumber, c.Subject.CommonName, c.Issuer.CommonName)
}
