package authz

import (
	"errors"
	"fmt"
	"strings"

	apierrors "k8s.io/apimachinery/pkg/api/errors"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

// Well-known groups and name prefixes, as Kubernetes defines them.
const (
	// SystemMasters may do anything; kube-apiserver checks it before RBAC
	// so that a broken policy can always be repaired.
	SystemMasters         = "system:masters"
	SystemAuthenticated   = "system:authenticated"
	SystemUnauthenticated = "system:unauthenticated"
	SystemNodes           = "system:nodes"
	// SystemServiceAccounts holds every ServiceAccount.
	SystemServiceAccounts = "system:serviceaccounts"
	// serviceAccountPrefix starts a service account's user name:
	// system:serviceaccount:<namespace>:<name>.
	serviceAccountPrefix = "system:serviceaccount:"
)

// UserInfo is the authenticated identity of a request.
type UserInfo struct {
	Name   string
	UID    string
	Groups []string
	Extra  map[string][]string
}

// inGroup reports whether u is a member of group.
func (u UserInfo) inGroup(group string) bool {
	for _, g := range u.Groups {
		if g == group {
			return true
		}
	}
	return false
}

// ServiceAccountUser is the user name a service account authenticates as.
func ServiceAccountUser(namespace, name string) string {
	return serviceAccountPrefix + namespace + ":" + name
}

// Attributes describe one request as kube-apiserver's request info does:
// a resource request (verb on group/resource[/subresource] in a
// namespace, perhaps of one name) or a non-resource request (verb on
// Path).
type Attributes struct {
	User            UserInfo
	Verb            string
	APIGroup        string
	Resource        string
	Subresource     string
	Namespace       string
	Name            string
	ResourceRequest bool
	Path            string
}

// resourceWithSubresource is "pods" or "pods/log", the form rules name.
func (a Attributes) resourceWithSubresource() string {
	if a.Subresource == "" {
		return a.Resource
	}
	return a.Resource + "/" + a.Subresource
}

// Decision is the outcome of Authorize. Reason says which binding allowed
// the request, or why policy could not be fully evaluated; like
// Kubernetes, a plain "no rule matched" has no reason.
type Decision struct {
	Allowed bool
	Reason  string
}

// htmlEscaper is the escaping kube-apiserver applies to forbidden
// messages, since they echo user-controlled names and paths.
var htmlEscaper = strings.NewReplacer(`&`, "&amp;", `<`, "&lt;", `>`, "&gt;")

// ForbiddenMessage is kube-apiserver's text for a denied request, e.g.
// `User "bob" cannot list resource "pods" in API group "" in the namespace "default"`.
func ForbiddenMessage(a Attributes) string {
	var msg string
	switch {
	case !a.ResourceRequest:
		msg = fmt.Sprintf("User %q cannot %s path %q", a.User.Name, a.Verb, a.Path)
	case a.Namespace != "":
		msg = fmt.Sprintf("User %q cannot %s resource %q in API group %q in the namespace %q",
			a.User.Name, a.Verb, a.resourceWithSubresource(), a.APIGroup, a.Namespace)
	default:
		msg = fmt.Sprintf("User %q cannot %s resource %q in API group %q at the cluster scope",
			a.User.Name, a.Verb, a.resourceWithSubresource(), a.APIGroup)
	}
	return htmlEscaper.Replace(msg)
}

// Forbidden is the 403 Status error kube-apiserver answers a denied
// request with: `pods "x" is forbidden: User "bob" cannot get ...`, the
// decision's reason appended after a colon when there is one.
func Forbidden(a Attributes, d Decision) *apierrors.StatusError {
	msg := ForbiddenMessage(a)
	if d.Reason != "" {
		msg += ": " + d.Reason
	}
	gr := schema.GroupResource{Group: a.APIGroup, Resource: a.Resource}
	return apierrors.NewForbidden(gr, a.Name, errors.New(msg))
}
