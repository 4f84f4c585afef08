package authn

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// PodRef names the pod a token is bound to.
type PodRef struct {
	Name string `json:"name"`
	UID  string `json:"uid"`
}

// TokenRequest asks for a ServiceAccount token (the TokenRequest API's
// content: serviceaccounts/{name}/token).
type TokenRequest struct {
	Namespace, Name, UID string
	// Audiences default to the issuer (kube-apiserver's default
	// --api-audiences).
	Audiences []string
	// Lifetime defaults to an hour; Kubernetes refuses less than ten minutes.
	Lifetime time.Duration
	Pod      *PodRef
}

// Token lifetimes, as the TokenRequest API's.
const (
	DefaultTokenLifetime = time.Hour
	MinTokenLifetime     = 10 * time.Minute
	// tokenLeeway is the clock skew allowed on exp, nbf and iat (go-jose's
	// default, which kube-apiserver's validation uses).
	tokenLeeway = time.Minute
)

// claims are a bound ServiceAccount token's, as Kubernetes writes them.
type claims struct {
	jwt.RegisteredClaims
	Kubernetes *kubernetesClaims `json:"kubernetes.io,omitempty"`
}

type kubernetesClaims struct {
	Namespace      string  `json:"namespace"`
	ServiceAccount PodRef  `json:"serviceaccount"` // same shape: name, uid
	Pod            *PodRef `json:"pod,omitempty"`
}

// Issuer signs ServiceAccount tokens.
type Issuer struct {
	// Issuer is the iss claim (kube-apiserver's --service-account-issuer).
	Issuer string
	Key    crypto.Signer
	// Now is the clock of iat, nbf and exp; time.Now when nil.
	Now func() time.Time
}

// Issue signs a token for req and returns it with its expiry.
func (i Issuer) Issue(req TokenRequest) (string, time.Time, error) {
	if req.Namespace == "" || req.Name == "" || req.UID == "" {
		return "", time.Time{}, errors.New("authn: token request needs the service account's namespace, name and uid")
	}
	life := req.Lifetime
	switch {
	case life == 0:
		life = DefaultTokenLifetime
	case life < MinTokenLifetime:
		return "", time.Time{}, fmt.Errorf("authn: token lifetime may not be less than %s", MinTokenLifetime)
	}
	method, err := signingMethod(i.Key.Public())
	if err != nil {
		return "", time.Time{}, err
	}
	now := i.now().Truncate(time.Second)
	aud := req.Audiences
	if len(aud) == 0 {
		aud = []string{i.Issuer}
	}
	jti, err := randomID()
	if err != nil {
		return "", time.Time{}, err
	}
	c := claims{
		RegisteredClaims: jwt.RegisteredClaims{
			Issuer: i.Issuer, Subject: ServiceAccountUsername(req.Namespace, req.Name), Audience: aud,
			ExpiresAt: jwt.NewNumericDate(now.Add(life)), IssuedAt: jwt.NewNumericDate(now),
			NotBefore: jwt.NewNumericDate(now), ID: jti,
		},
		Kubernetes: &kubernetesClaims{Namespace: req.Namespace, ServiceAccount: PodRef{Name: req.Name, UID: req.UID}, Pod: req.Pod},
	}
	tok := jwt.NewWithClaims(method, c)
	if kid, err := KeyID(i.Key.Public()); err == nil {
		tok.Header["kid"] = kid
	}
	s, err := tok.SignedString(i.Key)
	if err != nil {
		return "", time.Time{}, fmt.Errorf("authn: sign token: %w", err)
	}
	return s, now.Add(life), nil
}

func (i Issuer) now() time.Time {
	if i.Now != nil {
		return i.Now()
	}
	return time.Now()
}

func signingMethod(pub crypto.PublicKey) (jwt.SigningMethod, error) {
	switch k := pub.(type) {
	case *ecdsa.PublicKey:
		if k.Curve.Params().BitSize == 256 {
			return jwt.SigningMethodES256, nil
		}
	case *rsa.PublicKey:
		return jwt.SigningMethodRS256, nil
	}
	return nil, fmt.Errorf("authn: unsupported signing key %T: want ECDSA P-256 or RSA", pub)
}

// KeyID is the kid of tokens signed by a key, as Kubernetes derives it:
// the unpadded base64url SHA-256 of the public key's PKIX DER.
func KeyID(pub crypto.PublicKey) (string, error) {
	der, err := x509.MarshalPKIXPublicKey(pub)
	if err != nil {
		return "", fmt.Errorf("authn: key id: %w", err)
	}
	sum := sha256.Sum256(der)
	return base64.RawURLEncoding.EncodeToString(sum[:]), nil
}

func randomID() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("authn: token id: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// ServiceAccountTokens verifies ServiceAccount tokens.
type ServiceAccountTokens struct {
	// Issuers are the accepted iss values; a JWT of another issuer is not
	// this authenticator's (the next one is asked).
	Issuers []string
	// Keys verify the signature; several while a key is being rotated.
	Keys []crypto.PublicKey
	// Audiences the gateway accepts; the token must name one of them.
	// Empty means Issuers[0], kube-apiserver's default.
	Audiences []string
	// Lookup returns the uid of a ServiceAccount that exists now, so that
	// tokens of a deleted or re-created ServiceAccount stop working.
	Lookup func(namespace, name string) (uid string, ok bool)
	// PodLookup returns the uid of a pod that exists and is not being
	// deleted, so that a token bound to a pod dies with it (nil: a bound
	// token is refused, since nothing can say its pod still runs).
	PodLookup func(namespace, name string) (uid string, ok bool)
	// Now judges exp, nbf and iat; time.Now when nil.
	Now func() time.Time
}

// AuthenticateToken implements TokenAuthenticator: anything that is not a
// JWT of one of Issuers is not ours.
func (v ServiceAccountTokens) AuthenticateToken(token string) (User, bool, error) {
	var c claims
	if _, _, err := jwt.NewParser().ParseUnverified(token, &c); err != nil || !slices.Contains(v.Issuers, c.Issuer) {
		return User{}, false, nil
	}
	u, err := v.Verify(token)
	return u, err == nil, err
}

// Verify checks a token's signature, issuer, audience, times, claims and
// ServiceAccount, and returns its user: system:serviceaccount:<ns>:<name>
// in system:serviceaccounts and system:serviceaccounts:<ns>, with the pod
// it is bound to in Extra.
func (v ServiceAccountTokens) Verify(token string) (User, error) {
	if len(v.Keys) == 0 {
		return User{}, fmt.Errorf("%w: %w", ErrInvalidToken, errNoServiceAccountKey)
	}
	now := time.Now
	if v.Now != nil {
		now = v.Now
	}
	keys := jwt.VerificationKeySet{}
	for _, k := range v.Keys {
		keys.Keys = append(keys.Keys, k)
	}
	var c claims
	_, err := jwt.NewParser(
		jwt.WithValidMethods([]string{"ES256", "RS256"}), jwt.WithTimeFunc(now), jwt.WithLeeway(tokenLeeway),
		jwt.WithIssuedAt(), jwt.WithExpirationRequired(),
	).ParseWithClaims(token, &c, func(*jwt.Token) (any, error) { return keys, nil })
	switch {
	case err == nil:
	case errors.Is(err, jwt.ErrTokenExpired):
		return User{}, fmt.Errorf("%w: %w", ErrTokenExpired, err)
	case errors.Is(err, jwt.ErrTokenSignatureInvalid):
		return User{}, fmt.Errorf("%w: %w", ErrTokenSignature, err)
	case errors.Is(err, jwt.ErrTokenInvalidClaims):
		return User{}, fmt.Errorf("%w: %w", ErrTokenClaims, err)
	default:
		return User{}, fmt.Errorf("%w: %w", ErrInvalidToken, err)
	}
	if !slices.Contains(v.Issuers, c.Issuer) {
		return User{}, unauthorizedf(ErrTokenClaims, "issuer %q is not accepted", c.Issuer)
	}
	want := v.Audiences
	if len(want) == 0 && len(v.Issuers) > 0 {
		want = v.Issuers[:1]
	}
	if !slices.ContainsFunc([]string(c.Audience), func(a string) bool { return slices.Contains(want, a) }) {
		return User{}, unauthorizedf(ErrTokenAudience, "token audiences %q is invalid for the target audiences %q", []string(c.Audience), want)
	}
	k := c.Kubernetes
	if k == nil || k.Namespace == "" || k.ServiceAccount.Name == "" || k.ServiceAccount.UID == "" {
		return User{}, unauthorizedf(ErrTokenClaims, "kubernetes.io claim missing namespace or serviceaccount")
	}
	username := ServiceAccountUsername(k.Namespace, k.ServiceAccount.Name)
	if c.Subject != username {
		return User{}, unauthorizedf(ErrTokenClaims, "sub %q does not match %q", c.Subject, username)
	}
	if v.Lookup == nil {
		return User{}, unauthorizedf(ErrTokenInvalidated, "no service account lookup configured")
	}
	uid, ok := v.Lookup(k.Namespace, k.ServiceAccount.Name)
	switch {
	case !ok:
		return User{}, unauthorizedf(ErrTokenInvalidated, "service account %s/%s not found", k.Namespace, k.ServiceAccount.Name)
	case uid != k.ServiceAccount.UID:
		return User{}, unauthorizedf(ErrTokenInvalidated, "service account UID (%s) does not match claim (%s)", uid, k.ServiceAccount.UID)
	}
	u := User{Name: username, UID: uid, Groups: ServiceAccountGroups(k.Namespace)}
	if k.Pod != nil || c.ID != "" {
		u.Extra = map[string][]string{}
	}
	if k.Pod != nil {
		if v.PodLookup == nil {
			return User{}, unauthorizedf(ErrTokenInvalidated, "no pod lookup configured for a pod-bound token")
		}
		if uid, ok := v.PodLookup(k.Namespace, k.Pod.Name); !ok || uid != k.Pod.UID {
			return User{}, unauthorizedf(ErrTokenInvalidated, "pod %s/%s (uid %s) the token is bound to is gone", k.Namespace, k.Pod.Name, k.Pod.UID)
		}
		u.Extra[ExtraPodName] = []string{k.Pod.Name}
		u.Extra[ExtraPodUID] = []string{k.Pod.UID}
	}
	if c.ID != "" {
		u.Extra[ExtraCredentialID] = []string{"JTI=" + c.ID}
	}
	return u, nil
}
