// Package authz decides who may do what, with the semantics of
// Kubernetes' RBAC authorizer: Roles and ClusterRoles grant rules,
// RoleBindings grant them within their namespace and ClusterRoleBindings
// everywhere, members of system:masters may do anything.
//
// It is pure: the policy comes in through the small Policy interface (a
// projection of the event log implements it; StaticPolicy is plain
// slices), a request comes in as Attributes, a Decision goes out. Nothing
// here does I/O, so the gateway, `jetplane` client verbs and tests all ask
// the same code.
//
// Besides Authorize it serves what kube-apiserver builds on the
// authorizer: ForbiddenMessage and Forbidden (the 403 texts), RulesFor
// (SelfSubjectRulesReview, `kubectl auth can-i --list`), Covers and
// ConfirmNoEscalation (a user may only grant what they hold), and
// Bootstrap (the default cluster roles and bindings, and those of
// Jetplane's own services).
//
// Aggregated ClusterRoles (aggregationRule) are resolved on read: their
// rules are the union of the rules of the ClusterRoles their selectors
// match, which is what Kubernetes' aggregation controller would have
// written into them.
package authz
