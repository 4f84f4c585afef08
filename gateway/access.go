package gateway

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/jetplane/jetplane/apirequest"
	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/authz"
	"github.com/jetplane/jetplane/projections"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/labels"
)

// Every request is authenticated (authn: client certificate, then bearer
// token, then anonymous only when enabled) and authorized by RBAC over the
// gateway's own projection before any handler runs.

// publicPaths answer without credentials even when anonymous requests are
// off, as kube-apiserver's health and version endpoints do; RBAC still
// decides (system:public-info-viewer grants them to everyone).
var publicPaths = []string{"/healthz", "/livez", "/readyz", "/version"}

type requestUserKey struct{}

// impersonatorKey holds the authenticated user of a request that acts as
// another (impersonation): events record it beside the actor.
type impersonatorKey struct{}

// requestUser is the authenticated user of a request's context.
func requestUser(ctx context.Context) (authn.User, bool) {
	u, ok := ctx.Value(requestUserKey{}).(authn.User)
	return u, ok
}

// userOf is the name of a request's user: the actor of what it writes.
func userOf(ctx context.Context) string {
	if u, ok := requestUser(ctx); ok {
		return u.Name
	}
	return Anonymous
}

// authenticator is the chain of Config: client certificates of ClientCAs,
// then the bearer tokens: static Tokens (with their users' Groups) and
// ServiceAccount tokens of the configured keys, whose ServiceAccounts
// lookup finds; then anonymous.
func (c Config) authenticator(lookup, podLookup func(namespace, name string) (uid string, ok bool)) authn.Chain {
	var chain authn.Chain
	if c.ClientCAs != nil {
		chain.Authenticators = append(chain.Authenticators, authn.X509{Roots: c.ClientCAs})
	}
	var tokens []authn.TokenAuthenticator
	if len(c.Tokens) > 0 {
		static := authn.StaticTokens{}
		for token, name := range c.Tokens {
			static[token] = authn.User{Name: name, Groups: slices.Clone(c.Groups[name])}
		}
		tokens = append(tokens, static)
	}
	if keys := c.serviceAccountKeys(); len(keys) > 0 {
		tokens = append(tokens, authn.ServiceAccountTokens{Issuers: []string{c.serviceAccountIssuer()}, Keys: keys,
			Audiences: c.apiAudiences(), Lookup: lookup, PodLookup: podLookup, Now: c.Now})
	}
	if len(tokens) > 0 {
		chain.Authenticators = append(chain.Authenticators, authn.Bearer{Tokens: tokens})
	}
	chain.Anonymous = c.Anonymous
	return chain
}

// guard authenticates and authorizes every request, then serves it as its user.
func (s *Server) guard(next http.Handler) http.Handler {
	chain := s.cfg.authenticator(s.serviceAccountUID, s.livePodUID)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		user, err := chain.Authenticate(r)
		if errors.Is(err, authn.ErrNoCredentials) && slices.Contains(publicPaths, r.URL.Path) {
			user, err = authn.AnonymousUser(), nil
		}
		if err != nil {
			s.logger.WithError(err).WithField("path", r.URL.Path).Debug("unauthenticated")
			writeError(w, apierrors.NewUnauthorized(authn.StatusMessage))
			return
		}
		user, impersonator, ok := s.impersonate(w, r, user)
		if !ok {
			return
		}
		info, err := apirequest.FromRequest(r)
		if err != nil {
			writeError(w, apierrors.NewBadRequest(err.Error()))
			return
		}
		attrs := attributesOf(user, info)
		if d := authz.Authorize(s.policy(), attrs); !d.Allowed {
			writeError(w, authz.Forbidden(attrs, d))
			return
		}
		ctx := context.WithValue(r.Context(), requestUserKey{}, user)
		if impersonator != "" {
			ctx = context.WithValue(ctx, impersonatorKey{}, impersonator)
		}
		next.ServeHTTP(w, r.WithContext(ctx))
	})
}

// impersonate turns a request with Impersonate-* headers (kubectl --as,
// --as-group) into one of the user it asks for, once RBAC allows the
// authenticated user each "impersonate" check, as kube-apiserver does; the
// headers are dropped so that nothing downstream sees them. It answers the
// request itself (ok false) when that is refused.
func (s *Server) impersonate(w http.ResponseWriter, r *http.Request, user authn.User) (acting authn.User, impersonator string, ok bool) {
	imp, err := authn.ParseImpersonation(r.Header)
	if err != nil {
		writeError(w, apierrors.NewInternalError(err))
		return user, "", false
	}
	if imp == nil {
		return user, "", true
	}
	for _, c := range imp.Checks {
		a := authz.Attributes{User: userInfo(user), Verb: c.Verb, APIGroup: c.APIGroup, Resource: c.Resource,
			Subresource: c.Subresource, Namespace: c.Namespace, Name: c.Name, ResourceRequest: true}
		if d := authz.Authorize(s.policy(), a); !d.Allowed {
			writeError(w, authz.Forbidden(a, d))
			return user, "", false
		}
	}
	for k := range r.Header {
		if authn.ImpersonationHeader(k) {
			r.Header.Del(k)
		}
	}
	return imp.User, user.Name, true
}

// impersonatorOf is the real user behind an impersonated request, or "".
func impersonatorOf(ctx context.Context) string {
	name, _ := ctx.Value(impersonatorKey{}).(string)
	return name
}

// authorizeAs checks one more action for the request's user (what a
// request does besides its own verb: each change of a restore).
func (s *Server) authorizeAs(r *http.Request, a authz.Attributes) error {
	user, ok := requestUser(r.Context())
	if !ok {
		return apierrors.NewUnauthorized(authn.StatusMessage)
	}
	a.User = userInfo(user)
	if d := authz.Authorize(s.policy(), a); !d.Allowed {
		return authz.Forbidden(a, d)
	}
	return nil
}

func attributesOf(u authn.User, info apirequest.Info) authz.Attributes {
	return authz.Attributes{
		User: userInfo(u),
		Verb: info.Verb, APIGroup: info.APIGroup, Resource: info.Resource, Subresource: info.Subresource,
		Namespace: info.Namespace, Name: info.Name, ResourceRequest: info.ResourceRequest, Path: info.Path,
	}
}

// policy is the RBAC state of the gateway's projection now.
func (s *Server) policy() authz.Policy { return statePolicy{s.proj.State()} }

// statePolicy reads RBAC objects from a projection's state.
type statePolicy struct{ st *projections.State }

func (p statePolicy) GetRole(namespace, name string) (*rbacv1.Role, bool) {
	e := p.st.Live("roles", namespace, name)
	if e == nil {
		return nil, false
	}
	r, ok := e.Object.(*rbacv1.Role)
	return r, ok
}

func (p statePolicy) GetClusterRole(name string) (*rbacv1.ClusterRole, bool) {
	e := p.st.Live("clusterroles", "", name)
	if e == nil {
		return nil, false
	}
	r, ok := e.Object.(*rbacv1.ClusterRole)
	return r, ok
}

func (p statePolicy) ListClusterRoles() []*rbacv1.ClusterRole {
	return rbacObjects[*rbacv1.ClusterRole](p.st, "clusterroles", "")
}

func (p statePolicy) ListRoleBindings(namespace string) []*rbacv1.RoleBinding {
	return rbacObjects[*rbacv1.RoleBinding](p.st, "rolebindings", namespace)
}

func (p statePolicy) ListClusterRoleBindings() []*rbacv1.ClusterRoleBinding {
	return rbacObjects[*rbacv1.ClusterRoleBinding](p.st, "clusterrolebindings", "")
}

func rbacObjects[T any](st *projections.State, resource, namespace string) []T {
	entries := st.List(resource, namespace, labels.Everything())
	out := make([]T, 0, len(entries))
	for _, e := range entries {
		if o, ok := e.Object.(T); ok {
			out = append(out, o)
		}
	}
	return out
}
