package authn

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rsa"
	"encoding/base64"
	"fmt"
	"math/big"
	"slices"
)

// Service account issuer discovery, as kube-apiserver serves it: an OpenID
// provider configuration at /.well-known/openid-configuration and the
// verification keys at /openid/v1/jwks, so that a relying party outside the
// cluster can check ServiceAccount tokens itself.

// JWKSPath is where the keys are served; the issuer's jwks_uri names it.
const JWKSPath = "/openid/v1/jwks"

// OpenIDConfigurationPath is the discovery document's path.
const OpenIDConfigurationPath = "/.well-known/openid-configuration"

// JWK is one public key as RFC 7517 writes it.
type JWK struct {
	Use string `json:"use"`
	Kty string `json:"kty"`
	Kid string `json:"kid"`
	Alg string `json:"alg"`
	Crv string `json:"crv,omitempty"`
	X   string `json:"x,omitempty"`
	Y   string `json:"y,omitempty"`
	N   string `json:"n,omitempty"`
	E   string `json:"e,omitempty"`
}

// JWKSet is the document at JWKSPath.
type JWKSet struct {
	Keys []JWK `json:"keys"`
}

// OpenIDConfiguration is the document at OpenIDConfigurationPath, with
// kube-apiserver's fields.
type OpenIDConfiguration struct {
	Issuer           string   `json:"issuer"`
	JWKSURI          string   `json:"jwks_uri"`
	ResponseTypes    []string `json:"response_types_supported"`
	SubjectTypes     []string `json:"subject_types_supported"`
	SigningAlgValues []string `json:"id_token_signing_alg_values_supported"`
}

// PublicJWKS is the key set of keys, each with the kid tokens signed by it carry.
func PublicJWKS(keys []crypto.PublicKey) (JWKSet, error) {
	set := JWKSet{Keys: []JWK{}}
	for _, k := range keys {
		kid, err := KeyID(k)
		if err != nil {
			return JWKSet{}, err
		}
		switch pub := k.(type) {
		case *ecdsa.PublicKey:
			if pub.Curve.Params().BitSize != 256 {
				return JWKSet{}, fmt.Errorf("authn: unsupported curve %s", pub.Curve.Params().Name)
			}
			set.Keys = append(set.Keys, JWK{Use: "sig", Kty: "EC", Kid: kid, Alg: "ES256", Crv: "P-256",
				X: fixed(pub.X, 32), Y: fixed(pub.Y, 32)})
		case *rsa.PublicKey:
			set.Keys = append(set.Keys, JWK{Use: "sig", Kty: "RSA", Kid: kid, Alg: "RS256",
				N: base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
				E: base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())})
		default:
			return JWKSet{}, fmt.Errorf("authn: unsupported public key %T: want ECDSA or RSA", k)
		}
	}
	return set, nil
}

// Discovery is the issuer's OpenID configuration: its keys at
// issuer+JWKSPath, as kube-apiserver's default --service-account-jwks-uri.
func Discovery(issuer string, keys JWKSet) OpenIDConfiguration {
	var algs []string
	for _, k := range keys.Keys {
		if !slices.Contains(algs, k.Alg) {
			algs = append(algs, k.Alg)
		}
	}
	return OpenIDConfiguration{Issuer: issuer, JWKSURI: issuer + JWKSPath, ResponseTypes: []string{"id_token"},
		SubjectTypes: []string{"public"}, SigningAlgValues: algs}
}

// fixed is an EC coordinate padded to the curve's size (RFC 7518 6.2.1.2).
func fixed(n *big.Int, size int) string {
	b := make([]byte, size)
	return base64.RawURLEncoding.EncodeToString(n.FillBytes(b))
}
