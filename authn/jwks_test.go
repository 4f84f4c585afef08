package authn

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rsa"
	"encoding/base64"
	"math/big"
	"slices"
	"testing"
)

// fromJWK is a relying party's reading of a key of the set.
func fromJWK(t *testing.T, k JWK) crypto.PublicKey {
	t.Helper()
	num := func(s string) *big.Int {
		b, err := base64.RawURLEncoding.DecodeString(s)
		if err != nil {
			t.Fatalf("%q: %v", s, err)
		}
		return new(big.Int).SetBytes(b)
	}
	switch k.Kty {
	case "EC":
		return &ecdsa.PublicKey{Curve: elliptic.P256(), X: num(k.X), Y: num(k.Y)}
	case "RSA":
		return &rsa.PublicKey{N: num(k.N), E: int(num(k.E).Int64())}
	}
	t.Fatalf("kty %q", k.Kty)
	return nil
}

func TestPublicJWKS(t *testing.T) {
	for _, tt := range []struct {
		typ      KeyType
		kty, alg string
	}{{KeyECDSA, "EC", "ES256"}, {KeyRSA, "RSA", "RS256"}} {
		t.Run(string(tt.typ), func(t *testing.T) {
			key, _, err := GenerateKey(tt.typ)
			if err != nil {
				t.Fatal(err)
			}
			set, err := PublicJWKS([]crypto.PublicKey{key.Public()})
			if err != nil {
				t.Fatal(err)
			}
			if len(set.Keys) != 1 {
				t.Fatalf("keys %+v", set.Keys)
			}
			k := set.Keys[0]
			kid, _ := KeyID(key.Public())
			if k.Kty != tt.kty || k.Alg != tt.alg || k.Use != "sig" || k.Kid != kid {
				t.Errorf("jwk %+v, want kty %s alg %s kid %s", k, tt.kty, tt.alg, kid)
			}
			pub := fromJWK(t, k)
			if eq, ok := key.Public().(interface{ Equal(crypto.PublicKey) bool }); !ok || !eq.Equal(pub) {
				t.Errorf("the published key is not the signing key")
			}
			d := Discovery("https://issuer.example", set)
			if d.JWKSURI != "https://issuer.example/openid/v1/jwks" || !slices.Equal(d.SigningAlgValues, []string{tt.alg}) ||
				d.Issuer != "https://issuer.example" {
				t.Errorf("discovery %+v", d)
			}
		})
	}
	if set, err := PublicJWKS(nil); err != nil || set.Keys == nil {
		t.Errorf("no keys: %+v %v (want an empty list, not null)", set, err)
	}
}
