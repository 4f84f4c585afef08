package authn

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Authenticator finds the user of a request. ok false with a nil error
// means the request carries no credential of this kind, so the next
// authenticator is asked; an error means it carries one that is wrong.
type Authenticator interface {
	AuthenticateRequest(r *http.Request) (u User, ok bool, err error)
}

// TokenAuthenticator finds the user of a bearer token. ok false with a nil
// error means the token is not of this kind (another issuer's JWT, an
// unknown static token).
type TokenAuthenticator interface {
	AuthenticateToken(token string) (u User, ok bool, err error)
}

// Chain is kube-apiserver's authentication: Authenticators in order (x509
// first, then Bearer), the first that knows the request wins; then, when
// Anonymous is set and nobody objected, the anonymous user.
type Chain struct {
	Authenticators []Authenticator
	Anonymous      bool
}

// Authenticate returns the request's user or an error matching
// ErrUnauthorized. As in Kubernetes, a failing authenticator does not stop
// a later one from succeeding (a bad client certificate with a good token
// is the token's user), but any failure keeps the request from being
// anonymous.
func (c Chain) Authenticate(r *http.Request) (User, error) {
	var errs []error
	for _, a := range c.Authenticators {
		u, ok, err := a.AuthenticateRequest(r)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			return withAuthenticated(u), nil
		}
	}
	switch {
	case len(errs) > 0:
		return User{}, errors.Join(errs...)
	case c.Anonymous:
		return AnonymousUser(), nil
	}
	return User{}, ErrNoCredentials
}

// AnonymousUser is the user of a request without credentials.
func AnonymousUser() User {
	return User{Name: Anonymous, Groups: []string{AllUnauthenticated}}
}

// Bearer reads "Authorization: Bearer <token>" (the scheme in any case)
// and asks Tokens in order. A bearer token nobody knows is an error: a
// client that sends one means to be someone.
type Bearer struct {
	Tokens []TokenAuthenticator
}

// AuthenticateRequest implements Authenticator.
func (b Bearer) AuthenticateRequest(r *http.Request) (User, bool, error) {
	token, ok := BearerToken(r.Header)
	if !ok {
		return User{}, false, nil
	}
	var errs []error
	for _, t := range b.Tokens {
		u, ok, err := t.AuthenticateToken(token)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		if ok {
			return u, true, nil
		}
	}
	if len(errs) > 0 {
		return User{}, false, errors.Join(errs...)
	}
	return User{}, false, ErrInvalidToken
}

// BearerToken returns the token of an Authorization header with the
// Bearer scheme (case-insensitive, as RFC 7235 and Kubernetes); ok false
// for another scheme or an empty token, which are no bearer credential.
func BearerToken(h http.Header) (string, bool) {
	parts := strings.Fields(h.Get("Authorization"))
	if len(parts) < 2 || !strings.EqualFold(parts[0], "bearer") || parts[1] == "" {
		return "", false
	}
	return parts[1], true
}

// StaticTokens maps a token to its user (kube-apiserver's token file).
type StaticTokens map[string]User

// AuthenticateToken implements TokenAuthenticator.
func (s StaticTokens) AuthenticateToken(token string) (User, bool, error) {
	u, ok := s[token]
	return u, ok, nil
}

// TokenFunc adapts a function to TokenAuthenticator.
type TokenFunc func(token string) (User, bool, error)

// AuthenticateToken implements TokenAuthenticator.
func (f TokenFunc) AuthenticateToken(token string) (User, bool, error) { return f(token) }

// unauthorizedf wraps cause with detail.
func unauthorizedf(cause error, format string, args ...any) error {
	return fmt.Errorf("%w: %s", cause, fmt.Sprintf(format, args...))
}
