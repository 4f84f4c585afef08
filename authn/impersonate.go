package authn

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	authenticationv1 "k8s.io/api/authentication/v1"
)

// ImpersonationCheck is one authorization the requesting user needs before
// acting as another: verb impersonate on a resource, as kube-apiserver asks
// its authorizer. The gateway answers a denied check with 403.
type ImpersonationCheck struct {
	Verb        string // always "impersonate"
	APIGroup    string // "" for users, groups, serviceaccounts; authentication.k8s.io for uids, userextras
	APIVersion  string // "" or v1, as Kubernetes fills it
	Resource    string // users, groups, serviceaccounts, uids, userextras
	Subresource string // the extra key for userextras
	Namespace   string // the ServiceAccount's namespace
	Name        string // the user, group, ServiceAccount, uid or extra value
}

// Impersonation is a request to act as another user.
type Impersonation struct {
	// User is who the request acts as once every check is allowed.
	User User
	// Checks are in Kubernetes' order: user, groups, extras, uid; each must
	// be allowed for the requesting user.
	Checks []ImpersonationCheck
}

// ErrImpersonateWithoutUser: groups, extras or a uid without a user.
// Kubernetes answers it with a 500 InternalError.
var ErrImpersonateWithoutUser = errors.New("impersonation: groups, extra or uid requested without impersonating a user")

// impersonationGroup is the API group of the uid and userextras checks.
var impersonationGroup = authenticationv1.SchemeGroupVersion

// ParseImpersonation reads the Impersonate-* headers; nil, nil when there
// are none.
//
// As in Kubernetes: Impersonate-User system:serviceaccount:<ns>:<name> is a
// ServiceAccount (checked as the namespaced serviceaccounts resource, and
// in its groups unless Impersonate-Group is given); extra keys are the
// header's tail lower-cased and %-decoded; the result is in
// system:authenticated unless the groups given already contain it or
// system:unauthenticated, and system:anonymous gets system:unauthenticated.
func ParseImpersonation(h http.Header) (*Impersonation, error) {
	var imp Impersonation
	requested := h.Get(authenticationv1.ImpersonateUserHeader)
	groups := h.Values(authenticationv1.ImpersonateGroupHeader)
	uid := h.Get(authenticationv1.ImpersonateUIDHeader)
	extra := impersonatedExtra(h)
	if requested == "" {
		if len(groups) > 0 || len(extra) > 0 || uid != "" {
			return nil, ErrImpersonateWithoutUser
		}
		return nil, nil
	}

	u := User{Name: requested}
	if ns, name, err := SplitServiceAccountUsername(requested); err == nil {
		imp.Checks = append(imp.Checks, check("", "", "serviceaccounts", "", ns, name))
		if len(groups) == 0 {
			u.Groups = ServiceAccountGroups(ns)
		}
	} else {
		imp.Checks = append(imp.Checks, check("", "", "users", "", "", requested))
	}
	for _, g := range groups {
		imp.Checks = append(imp.Checks, check("", "", "groups", "", "", g))
		u.Groups = append(u.Groups, g)
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	slices.Sort(keys) // headers are a map: keep the checks' order stable
	for _, k := range keys {
		for _, v := range extra[k] {
			imp.Checks = append(imp.Checks, check(impersonationGroup.Group, impersonationGroup.Version, "userextras", k, "", v))
		}
	}
	if len(extra) > 0 {
		u.Extra = extra
	}
	if uid != "" {
		imp.Checks = append(imp.Checks, check(impersonationGroup.Group, impersonationGroup.Version, "uids", "", "", uid))
		u.UID = uid
	}

	if u.Name == Anonymous {
		if !u.InGroup(AllUnauthenticated) {
			u.Groups = append(u.Groups, AllUnauthenticated)
		}
	} else if !u.InGroup(AllAuthenticated) && !u.InGroup(AllUnauthenticated) {
		u.Groups = append(u.Groups, AllAuthenticated)
	}
	imp.User = u
	return &imp, nil
}

func check(group, version, resource, sub, ns, name string) ImpersonationCheck {
	return ImpersonationCheck{Verb: "impersonate", APIGroup: group, APIVersion: version,
		Resource: resource, Subresource: sub, Namespace: ns, Name: name}
}

// impersonatedExtra collects Impersonate-Extra-<key> headers.
func impersonatedExtra(h http.Header) map[string][]string {
	extra := map[string][]string{}
	for name, values := range h {
		tail, ok := cutPrefixFold(name, authenticationv1.ImpersonateUserExtraHeaderPrefix)
		if !ok || tail == "" {
			continue
		}
		key := strings.ToLower(tail)
		// Keys such as example.com/scopes travel %-encoded; a malformed
		// encoding is kept as sent rather than dropped, as Kubernetes does.
		if k, err := url.PathUnescape(key); err == nil {
			key = k
		}
		extra[key] = append(extra[key], values...)
	}
	return extra
}

func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return "", false
	}
	return s[len(prefix):], true
}

// ImpersonationHeader tells whether a header name is one of the
// Impersonate-* headers, which the gateway strips once it has acted on them
// so that nothing downstream impersonates again.
func ImpersonationHeader(name string) bool {
	c := http.CanonicalHeaderKey(name)
	switch c {
	case authenticationv1.ImpersonateUserHeader, authenticationv1.ImpersonateGroupHeader, authenticationv1.ImpersonateUIDHeader:
		return true
	}
	_, ok := cutPrefixFold(c, authenticationv1.ImpersonateUserExtraHeaderPrefix)
	return ok
}

// String describes a check the way kube-apiserver's 403 names it.
func (c ImpersonationCheck) String() string {
	s := fmt.Sprintf("%s %s %q", c.Verb, c.Resource, c.Name)
	if c.Subresource != "" {
		s = fmt.Sprintf("%s %s/%s %q", c.Verb, c.Resource, c.Subresource, c.Name)
	}
	if c.Namespace != "" {
		s += " in namespace " + c.Namespace
	}
	return s
}
