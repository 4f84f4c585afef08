package authn

import (
	"errors"
	"slices"
	"strings"
)

// User is an authenticated identity, as Kubernetes' user.Info.
type User struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// Well-known user and group names, spelled as Kubernetes spells them so
// that ClusterRoleBindings written for Kubernetes mean the same here.
const (
	Anonymous          = "system:anonymous"
	AllUnauthenticated = "system:unauthenticated"
	AllAuthenticated   = "system:authenticated"
	SystemMasters      = "system:masters"

	// ServiceAccountsGroup holds every ServiceAccount;
	// ServiceAccountsGroupPrefix + <namespace> those of one namespace.
	ServiceAccountsGroup       = "system:serviceaccounts"
	ServiceAccountsGroupPrefix = "system:serviceaccounts:"
	// ServiceAccountUsernamePrefix + <namespace>:<name> names a ServiceAccount.
	ServiceAccountUsernamePrefix = "system:serviceaccount:"
)

// Extra keys Kubernetes sets for a ServiceAccount token bound to a pod.
const (
	ExtraPodName      = "authentication.kubernetes.io/pod-name"
	ExtraPodUID       = "authentication.kubernetes.io/pod-uid"
	ExtraCredentialID = "authentication.kubernetes.io/credential-id"
)

// ServiceAccountUsername is system:serviceaccount:<ns>:<name>.
func ServiceAccountUsername(namespace, name string) string {
	return ServiceAccountUsernamePrefix + namespace + ":" + name
}

// ServiceAccountGroups are the groups a ServiceAccount of namespace is in
// (system:authenticated comes from the chain).
func ServiceAccountGroups(namespace string) []string {
	return []string{ServiceAccountsGroup, ServiceAccountsGroupPrefix + namespace}
}

// errNotServiceAccount: the user name is no ServiceAccount's.
var errNotServiceAccount = errors.New("username must be in the form system:serviceaccount:namespace:name")

// SplitServiceAccountUsername returns the namespace and name of a
// ServiceAccount user name; an error for any other name.
func SplitServiceAccountUsername(username string) (namespace, name string, err error) {
	rest, ok := strings.CutPrefix(username, ServiceAccountUsernamePrefix)
	if !ok {
		return "", "", errNotServiceAccount
	}
	parts := strings.Split(rest, ":")
	if len(parts) != 2 || parts[0] == "" || parts[1] == "" {
		return "", "", errNotServiceAccount
	}
	return parts[0], parts[1], nil
}

// InGroup tells whether u is in group.
func (u User) InGroup(group string) bool { return slices.Contains(u.Groups, group) }

// withAuthenticated adds system:authenticated unless the user already says
// whether it is authenticated (as Kubernetes' AuthenticatedGroupAdder).
func withAuthenticated(u User) User {
	if u.InGroup(AllAuthenticated) || u.InGroup(AllUnauthenticated) {
		return u
	}
	u.Groups = append(slices.Clone(u.Groups), AllAuthenticated)
	return u
}

// StatusMessage is the message of every 401 Status, as kube-apiserver's:
// the reason a credential failed goes to the log, not to the client.
const StatusMessage = "Unauthorized"

// ErrUnauthorized matches (errors.Is) every error that means 401.
var ErrUnauthorized = errors.New(StatusMessage)

// unauthorized is a 401 cause; each sentinel below is one.
type unauthorized struct{ msg string }

func (e *unauthorized) Error() string        { return e.msg }
func (e *unauthorized) Is(target error) bool { return target == ErrUnauthorized }

// The causes of a 401; errors returned here wrap one of them with detail.
var (
	ErrNoCredentials       error = &unauthorized{"no credentials and anonymous requests are disabled"}
	ErrInvalidCertificate  error = &unauthorized{"invalid client certificate"}
	ErrInvalidToken        error = &unauthorized{"invalid bearer token"}
	ErrTokenExpired        error = &unauthorized{"service account token has expired"}
	ErrTokenInvalidated    error = &unauthorized{"service account token has been invalidated"}
	ErrTokenAudience       error = &unauthorized{"token audiences are invalid for the target audiences"}
	ErrTokenClaims         error = &unauthorized{"service account token claims could not be validated"}
	ErrTokenSignature      error = &unauthorized{"service account token signature is invalid"}
	errNoServiceAccountKey error = errors.New("no service account verification key")
)
