package gateway

import (
	"fmt"
	"net/http"

	"github.com/jetplane/jetplane/authz"
	"github.com/jetplane/jetplane/events"
	rbacv1 "k8s.io/api/rbac/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
)

// admitRBAC keeps users from granting what they do not hold, as
// kube-apiserver's RBAC storage does: a Role or ClusterRole only with rules
// its writer holds (unless they may "escalate" it), a binding only to a
// role whose rules its writer holds (unless they may "bind" it).
func (s *Server) admitRBAC(r *http.Request, res events.Resource, _, obj events.Object) error {
	user, ok := requestUser(r.Context())
	if !ok {
		return nil
	}
	u, p := userInfo(user), s.policy()
	var rules []rbacv1.PolicyRule
	ns := obj.GetNamespace()
	switch o := obj.(type) {
	case *rbacv1.Role:
		if authz.EscalateAllowed(p, u, ns, o.Name) {
			return nil
		}
		rules = o.Rules
	case *rbacv1.ClusterRole:
		if authz.EscalateAllowed(p, u, "", o.Name) {
			return nil
		}
		if o.AggregationRule != nil {
			// Its rules are whatever roles it selects, which no check of
			// its own rules bounds: as kube-apiserver, only with escalate.
			return apierrors.NewForbidden(res.GroupResource(), obj.GetName(),
				fmt.Errorf("user %q cannot set an aggregationRule without the escalate verb on clusterroles", u.Name))
		}
		rules = o.Rules
	case *rbacv1.RoleBinding:
		if authz.BindAllowed(p, u, ns, o.RoleRef) {
			return nil
		}
		var err error
		if rules, err = roleRules(p, ns, o.RoleRef); err != nil {
			return apierrors.NewForbidden(res.GroupResource(), obj.GetName(), err)
		}
	case *rbacv1.ClusterRoleBinding:
		if authz.BindAllowed(p, u, "", o.RoleRef) {
			return nil
		}
		var err error
		if rules, err = roleRules(p, "", o.RoleRef); err != nil {
			return apierrors.NewForbidden(res.GroupResource(), obj.GetName(), err)
		}
	default:
		return nil
	}
	if err := authz.ConfirmNoEscalation(p, u, ns, rules); err != nil {
		return apierrors.NewForbidden(res.GroupResource(), obj.GetName(), err)
	}
	return nil
}

// roleRules are the rules of the role a binding refers to.
func roleRules(p authz.Policy, namespace string, ref rbacv1.RoleRef) ([]rbacv1.PolicyRule, error) {
	if ref.Kind == "Role" {
		role, ok := p.GetRole(namespace, ref.Name)
		if !ok {
			return nil, apierrors.NewNotFound(rbacv1.Resource("roles"), ref.Name)
		}
		return role.Rules, nil
	}
	return authz.ClusterRoleRules(p, ref.Name)
}
