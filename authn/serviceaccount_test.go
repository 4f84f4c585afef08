package authn

import (
	"crypto"
	"errors"
	"strings"
	"testing"
	"time"
)

const testIssuer = "https://jetplane.local"

type saSetup struct {
	issuer   Issuer
	verifier ServiceAccountTokens
}

// saFixture: an ECDSA signing key and a verifier that knows dev/builder
// (uid-1).
func saFixture(t *testing.T) saSetup {
	t.Helper()
	key, _, err := GenerateKey(KeyECDSA)
	if err != nil {
		t.Fatal(err)
	}
	return saSetup{
		issuer: Issuer{Issuer: testIssuer, Key: key, Now: at(t0)},
		verifier: ServiceAccountTokens{Issuers: []string{testIssuer}, Keys: []crypto.PublicKey{key.Public()},
			Lookup: lookup(map[string]string{"dev/builder": "uid-1"}), PodLookup: lookup(map[string]string{"dev/web-1": "pod-uid"}),
			Now: at(t0)},
	}
}

func lookup(m map[string]string) func(ns, name string) (string, bool) {
	return func(ns, name string) (string, bool) {
		uid, ok := m[ns+"/"+name]
		return uid, ok
	}
}

func (s saSetup) issue(t *testing.T, req TokenRequest) string {
	t.Helper()
	tok, _, err := s.issuer.Issue(req)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func TestServiceAccountTokens(t *testing.T) {
	base := saFixture(t)
	rsaKey, _, err := GenerateKey(KeyRSA)
	if err != nil {
		t.Fatal(err)
	}
	strangerKey, _, _ := GenerateKey(KeyECDSA)
	builder := TokenRequest{Namespace: "dev", Name: "builder", UID: "uid-1"}
	bound := builder
	bound.Pod = &PodRef{Name: "web-1", UID: "pod-uid"}
	otherAud := builder
	otherAud.Audiences = []string{"vault"}

	for _, tc := range []struct {
		name    string
		signer  Issuer
		req     TokenRequest
		edit    func(*ServiceAccountTokens)
		notOurs bool
		wantErr error
		check   func(*testing.T, User)
	}{
		{name: "valid", signer: base.issuer, req: builder, check: func(t *testing.T, u User) {
			if u.Name != "system:serviceaccount:dev:builder" || u.UID != "uid-1" || len(u.Groups) != 2 || u.Groups[1] != "system:serviceaccounts:dev" {
				t.Errorf("user %+v", u)
			}
			if id := u.Extra[ExtraCredentialID]; len(id) != 1 || !strings.HasPrefix(id[0], "JTI=") {
				t.Errorf("credential id %v", id)
			}
		}},
		{name: "bound to a pod", signer: base.issuer, req: bound, check: func(t *testing.T, u User) {
			if u.Extra[ExtraPodName][0] != "web-1" || u.Extra[ExtraPodUID][0] != "pod-uid" {
				t.Errorf("extra %v", u.Extra)
			}
		}},
		{name: "bound pod deleted", signer: base.issuer, req: bound,
			edit: func(v *ServiceAccountTokens) { v.PodLookup = lookup(nil) }, wantErr: ErrTokenInvalidated},
		{name: "bound pod re-created", signer: base.issuer, req: bound,
			edit: func(v *ServiceAccountTokens) { v.PodLookup = lookup(map[string]string{"dev/web-1": "other-uid"}) }, wantErr: ErrTokenInvalidated},
		{name: "RSA key", signer: Issuer{Issuer: testIssuer, Key: rsaKey, Now: at(t0)}, req: builder,
			edit: func(v *ServiceAccountTokens) { v.Keys = append(v.Keys, rsaKey.Public()) }},
		{name: "expired", signer: base.issuer, req: builder,
			edit: func(v *ServiceAccountTokens) { v.Now = at(t0.Add(time.Hour + 2*time.Minute)) }, wantErr: ErrTokenExpired},
		{name: "expired within leeway", signer: base.issuer, req: builder,
			edit: func(v *ServiceAccountTokens) { v.Now = at(t0.Add(time.Hour + 30*time.Second)) }},
		{name: "issued in the future", signer: base.issuer, req: builder,
			edit: func(v *ServiceAccountTokens) { v.Now = at(t0.Add(-5 * time.Minute)) }, wantErr: ErrTokenClaims},
		{name: "service account deleted", signer: base.issuer, req: builder,
			edit: func(v *ServiceAccountTokens) { v.Lookup = lookup(nil) }, wantErr: ErrTokenInvalidated},
		{name: "service account re-created", signer: base.issuer, req: builder,
			edit: func(v *ServiceAccountTokens) { v.Lookup = lookup(map[string]string{"dev/builder": "uid-2"}) }, wantErr: ErrTokenInvalidated},
		{name: "audience not ours", signer: base.issuer, req: otherAud, wantErr: ErrTokenAudience},
		{name: "audience configured", signer: base.issuer, req: otherAud,
			edit: func(v *ServiceAccountTokens) { v.Audiences = []string{"api", "vault"} }},
		{name: "signed by another key", signer: Issuer{Issuer: testIssuer, Key: strangerKey, Now: at(t0)}, req: builder, wantErr: ErrTokenSignature},
		{name: "another issuer is not ours", signer: Issuer{Issuer: "https://elsewhere", Key: base.issuer.Key, Now: at(t0)}, req: builder, notOurs: true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			v := base.verifier
			if tc.edit != nil {
				tc.edit(&v)
			}
			tok, _, err := tc.signer.Issue(tc.req)
			if err != nil {
				t.Fatal(err)
			}
			u, ok, err := v.AuthenticateToken(tok)
			switch {
			case tc.notOurs:
				if ok || err != nil {
					t.Fatalf("ok=%v err=%v, want not ours", ok, err)
				}
			case tc.wantErr != nil:
				if ok || !errors.Is(err, tc.wantErr) || !errors.Is(err, ErrUnauthorized) {
					t.Fatalf("ok=%v err=%v, want %v", ok, err, tc.wantErr)
				}
			case err != nil || !ok:
				t.Fatalf("ok=%v err=%v", ok, err)
			case tc.check != nil:
				tc.check(t, u)
			}
		})
	}
}

func TestServiceAccountTokenNotAJWT(t *testing.T) {
	v := saFixture(t).verifier
	if _, ok, err := v.AuthenticateToken("s3cret"); ok || err != nil {
		t.Errorf("a static token: ok=%v err=%v, want not ours", ok, err)
	}
	if _, err := v.Verify("s3cret"); !errors.Is(err, ErrInvalidToken) {
		t.Errorf("Verify: %v", err)
	}
}

func TestIssue(t *testing.T) {
	s := saFixture(t)
	for _, tc := range []struct {
		name    string
		req     TokenRequest
		wantExp time.Time
		wantErr string
	}{
		{name: "default lifetime", req: TokenRequest{Namespace: "dev", Name: "b", UID: "u"}, wantExp: t0.Add(time.Hour)},
		{name: "lifetime", req: TokenRequest{Namespace: "dev", Name: "b", UID: "u", Lifetime: 24 * time.Hour}, wantExp: t0.Add(24 * time.Hour)},
		{name: "too short", req: TokenRequest{Namespace: "dev", Name: "b", UID: "u", Lifetime: time.Minute}, wantErr: "less than 10m"},
		{name: "no uid", req: TokenRequest{Namespace: "dev", Name: "b"}, wantErr: "namespace, name and uid"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, exp, err := s.issuer.Issue(tc.req)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || !exp.Equal(tc.wantExp) {
				t.Errorf("exp %v err %v, want %v", exp, err, tc.wantExp)
			}
		})
	}
}
