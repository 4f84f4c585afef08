// Package authn tells who a request comes from, the way kube-apiserver's
// authentication layer does, so that RBAC (authz) and admission can decide
// what that user may do.
//
// A Chain runs the authenticators in kube-apiserver's order: x509 client
// certificates verified against the cluster CA, then bearer tokens (static
// tokens, then ServiceAccount JWTs), then — only if enabled — anonymous.
// Semantics follow Kubernetes:
//
//   - A request without credentials is anonymous when that is enabled
//     (system:anonymous in system:unauthenticated), else a 401.
//   - Credentials that are presented but wrong (an unverifiable certificate,
//     an unknown or expired token) are a 401 even when anonymous is enabled:
//     a broken credential never silently downgrades to anonymous.
//   - Every authenticated user is in system:authenticated.
//   - The 401 Status message is always "Unauthorized" (StatusMessage); the
//     typed errors carry the detail for the log, never for the client.
//
// Impersonation (ParseImpersonation) turns the Impersonate-* headers into
// the requested user and the list of "impersonate" checks the authorizer
// must allow first. Keys and client certificates (keys.go, clientcert.go)
// are minted here from PEM bytes; the caller reads and writes files.
//
// The package is pure: standard library, k8s.io/api and golang-jwt only;
// clocks and the ServiceAccount lookup are injected.
package authn
