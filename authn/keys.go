package authn

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
)

// KeyType chooses the algorithm of a generated key.
type KeyType string

// ECDSA P-256 signs ServiceAccount tokens as ES256, RSA as RS256.
const (
	KeyECDSA KeyType = "ecdsa-p256"
	KeyRSA   KeyType = "rsa-2048"
)

// GenerateKey makes a private key and returns it with its PEM (PKCS#8,
// "PRIVATE KEY"), ready to be written to a 0600 file by the caller.
func GenerateKey(t KeyType) (crypto.Signer, []byte, error) {
	var key crypto.Signer
	var err error
	switch t {
	case KeyECDSA, "":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case KeyRSA:
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	default:
		return nil, nil, fmt.Errorf("authn: unknown key type %q", t)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("authn: generate key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, nil, fmt.Errorf("authn: encode key: %w", err)
	}
	return key, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}), nil
}

// LoadOrGenerateKey parses existing (the bytes of a key file) or, when it
// is empty, generates a key of type t; generated tells the caller to store
// the returned PEM. It lets `jetplane up` keep one signing key across
// restarts without this package touching the file system.
func LoadOrGenerateKey(existing []byte, t KeyType) (key crypto.Signer, keyPEM []byte, generated bool, err error) {
	if len(existing) > 0 {
		key, err := ParsePrivateKey(existing)
		return key, existing, false, err
	}
	key, keyPEM, err = GenerateKey(t)
	return key, keyPEM, err == nil, err
}

// ParsePrivateKey reads the first private key of a PEM: PKCS#8, SEC 1
// ("EC PRIVATE KEY", as allinone/pki writes) or PKCS#1 ("RSA PRIVATE KEY").
func ParsePrivateKey(data []byte) (crypto.Signer, error) {
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			return nil, errors.New("authn: no private key in PEM")
		}
		var key any
		var err error
		switch block.Type {
		case "PRIVATE KEY":
			key, err = x509.ParsePKCS8PrivateKey(block.Bytes)
		case "EC PRIVATE KEY":
			key, err = x509.ParseECPrivateKey(block.Bytes)
		case "RSA PRIVATE KEY":
			key, err = x509.ParsePKCS1PrivateKey(block.Bytes)
		default:
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("authn: parse %s: %w", block.Type, err)
		}
		return signer(key)
	}
}

func signer(key any) (crypto.Signer, error) {
	switch k := key.(type) {
	case *ecdsa.PrivateKey:
		return k, nil
	case *rsa.PrivateKey:
		return k, nil
	}
	return nil, fmt.Errorf("authn: unsupported private key %T: want ECDSA or RSA", key)
}

// EncodePublicKey is the PEM ("PUBLIC KEY", PKIX) of a public key, what a
// verifier elsewhere needs of a signing key.
func EncodePublicKey(pub crypto.PublicKey) ([]byte, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return nil, fmt.Errorf("authn: encode public key: %w", err)
	}
	return pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}), nil
}

// ParsePublicKeys reads every public key of a PEM: "PUBLIC KEY" blocks,
// certificates' keys and private keys' public halves, so that a verifier can
// be given the signing key file itself (kube-apiserver's
// --service-account-key-file accepts the same). Several keys let tokens
// signed before a key rotation still verify.
func ParsePublicKeys(data []byte) ([]crypto.PublicKey, error) {
	var keys []crypto.PublicKey
	for {
		var block *pem.Block
		block, data = pem.Decode(data)
		if block == nil {
			break
		}
		var pub crypto.PublicKey
		switch block.Type {
		case "PUBLIC KEY":
			k, err := x509.ParsePKIXPublicKey(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("authn: parse public key: %w", err)
			}
			pub = k
		case "CERTIFICATE":
			c, err := x509.ParseCertificate(block.Bytes)
			if err != nil {
				return nil, fmt.Errorf("authn: parse certificate: %w", err)
			}
			pub = c.PublicKey
		case "PRIVATE KEY", "EC PRIVATE KEY", "RSA PRIVATE KEY":
			k, err := ParsePrivateKey(pem.EncodeToMemory(block))
			if err != nil {
				return nil, err
			}
			pub = k.Public()
		default:
			continue
		}
		switch pub.(type) {
		case *ecdsa.PublicKey, *rsa.PublicKey:
			keys = append(keys, pub)
		default:
			return nil, fmt.Errorf("authn: unsupported public key %T: want ECDSA or RSA", pub)
		}
	}
	if len(keys) == 0 {
		return nil, errors.New("authn: no public key in PEM")
	}
	return keys, nil
}
