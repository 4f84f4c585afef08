package authn

import (
	"crypto/x509"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestChain(t *testing.T) {
	ca, other := newCA(t, "jetplane-ca"), newCA(t, "someone-else")
	pool, err := CAPool(ca.certPEM)
	if err != nil {
		t.Fatal(err)
	}
	clientAuth := x509.ExtKeyUsageClientAuth
	good := ca.client(t, "bob", []string{"dev", "ops"}, t0.Add(-time.Hour), t0.Add(time.Hour), clientAuth)
	expired := ca.client(t, "bob", nil, t0.Add(-2*time.Hour), t0.Add(-time.Hour), clientAuth)
	foreign := other.client(t, "bob", nil, t0.Add(-time.Hour), t0.Add(time.Hour), clientAuth)
	serverOnly := ca.client(t, "bob", nil, t0.Add(-time.Hour), t0.Add(time.Hour), x509.ExtKeyUsageServerAuth)
	noCN := ca.client(t, "", []string{"dev"}, t0.Add(-time.Hour), t0.Add(time.Hour), clientAuth)

	sa := saFixture(t)
	saToken := sa.issue(t, TokenRequest{Namespace: "dev", Name: "builder", UID: "uid-1"})
	tokens := StaticTokens{"s3cret": {Name: "alice", UID: "a1", Groups: []string{SystemMasters}}}
	bearer := Bearer{Tokens: []TokenAuthenticator{tokens, sa.verifier}}

	for _, tc := range []struct {
		name      string
		cert      *x509.Certificate
		auth      string
		anonymous bool
		want      User
		wantErr   error
	}{
		{name: "nothing, anonymous off", wantErr: ErrNoCredentials},
		{name: "nothing, anonymous on", anonymous: true, want: User{Name: Anonymous, Groups: []string{AllUnauthenticated}}},
		{name: "client certificate", cert: good, want: User{Name: "bob", Groups: []string{"dev", "ops", AllAuthenticated}}},
		{name: "expired certificate is no fallthrough", cert: expired, anonymous: true, wantErr: ErrInvalidCertificate},
		{name: "certificate of another CA", cert: foreign, anonymous: true, wantErr: ErrInvalidCertificate},
		{name: "server certificate", cert: serverOnly, wantErr: ErrInvalidCertificate},
		{name: "certificate without CN names nobody", cert: noCN, anonymous: true,
			want: User{Name: Anonymous, Groups: []string{AllUnauthenticated}}},
		{name: "bad certificate, good token", cert: expired, auth: "Bearer s3cret",
			want: User{Name: "alice", UID: "a1", Groups: []string{SystemMasters, AllAuthenticated}}},
		{name: "static token", auth: "Bearer s3cret", want: User{Name: "alice", UID: "a1", Groups: []string{SystemMasters, AllAuthenticated}}},
		{name: "scheme is case-insensitive", auth: "bEaReR s3cret", want: User{Name: "alice", UID: "a1", Groups: []string{SystemMasters, AllAuthenticated}}},
		{name: "unknown token is no fallthrough", auth: "Bearer nope", anonymous: true, wantErr: ErrInvalidToken},
		{name: "empty bearer is no credential", auth: "Bearer ", anonymous: true, want: User{Name: Anonymous, Groups: []string{AllUnauthenticated}}},
		{name: "basic auth is no credential", auth: "Basic Ym9iOnB3", wantErr: ErrNoCredentials},
		{name: "service account token", auth: "Bearer " + saToken, want: User{Name: "system:serviceaccount:dev:builder", UID: "uid-1",
			Groups: []string{ServiceAccountsGroup, "system:serviceaccounts:dev", AllAuthenticated}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := Chain{Authenticators: []Authenticator{X509{Roots: pool, Now: at(t0)}, bearer}, Anonymous: tc.anonymous}
			got, err := c.Authenticate(request(tc.cert, tc.auth))
			if tc.wantErr != nil {
				if !errors.Is(err, tc.wantErr) || !errors.Is(err, ErrUnauthorized) {
					t.Fatalf("err = %v, want %v (and ErrUnauthorized)", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.Extra = nil // credential-id varies
			if !sameUser(got, tc.want) {
				t.Errorf("user = %+v, want %+v", got, tc.want)
			}
		})
	}
}

func sameUser(a, b User) bool {
	return a.Name == b.Name && a.UID == b.UID && slices.Equal(a.Groups, b.Groups) && len(a.Extra) == len(b.Extra)
}

func TestBearerToken(t *testing.T) {
	for _, tc := range []struct {
		header, want string
		ok           bool
	}{
		{"Bearer abc", "abc", true},
		{"bearer abc", "abc", true},
		{"  BEARER   abc  ", "abc", true},
		{"Bearer", "", false},
		{"Basic abc", "", false},
		{"", "", false},
	} {
		r := request(nil, tc.header)
		if tc.header != "" {
			r.Header.Set("Authorization", tc.header)
		}
		got, ok := BearerToken(r.Header)
		if got != tc.want || ok != tc.ok {
			t.Errorf("%q: got %q %v, want %q %v", tc.header, got, ok, tc.want, tc.ok)
		}
	}
}

func TestStatusMessage(t *testing.T) {
	for _, err := range []error{ErrNoCredentials, ErrInvalidCertificate, ErrInvalidToken, ErrTokenExpired,
		ErrTokenInvalidated, ErrTokenAudience, ErrTokenClaims, ErrTokenSignature} {
		if !errors.Is(err, ErrUnauthorized) {
			t.Errorf("%v does not match ErrUnauthorized", err)
		}
	}
	if ErrUnauthorized.Error() != "Unauthorized" {
		t.Errorf("status message %q", ErrUnauthorized)
	}
}

// Without a CA pool nothing is trusted, not even the system roots.
func TestX509WithoutCA(t *testing.T) {
	ca := newCA(t, "jetplane-ca")
	c := ca.client(t, "bob", nil, t0.Add(-time.Hour), t0.Add(time.Hour), x509.ExtKeyUsageClientAuth)
	if _, ok, err := (X509{Now: at(t0)}).AuthenticateChain([]*x509.Certificate{c}); ok || !errors.Is(err, ErrInvalidCertificate) {
		t.Errorf("ok=%v err=%v", ok, err)
	}
}
