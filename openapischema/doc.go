// Package openapischema holds the OpenAPI definitions of every API type
// Jetplane serves, generated from k8s.io/api (and apimachinery's meta
// types) by kube-openapi's openapi-gen: field docs, types, patch
// strategies and merge keys, list types and map keys, exactly as
// kube-apiserver publishes them. Nothing here is written by hand; the
// gateway builds its /openapi/v2 and /openapi/v3 documents on it.
//
// Regenerate with `go generate ./openapischema` after adding a group
// version to the list below (or after moving k8s.io/api to a new release).
package openapischema

//go:generate go tool openapi-gen --output-dir . --output-pkg github.com/jetplane/jetplane/openapischema --output-file zz_generated.openapi.go --go-header-file /dev/null --report-filename /dev/null k8s.io/api/core/v1 k8s.io/api/apps/v1 k8s.io/api/batch/v1 k8s.io/api/networking/v1 k8s.io/api/rbac/v1 k8s.io/api/storage/v1 k8s.io/api/discovery/v1 k8s.io/api/coordination/v1 k8s.io/api/events/v1 k8s.io/api/autoscaling/v1 k8s.io/api/authentication/v1 k8s.io/api/authorization/v1 k8s.io/api/policy/v1 k8s.io/api/scheduling/v1alpha3 k8s.io/apiextensions-apiserver/pkg/apis/apiextensions/v1 k8s.io/apimachinery/pkg/apis/meta/v1 k8s.io/apimachinery/pkg/runtime k8s.io/apimachinery/pkg/util/intstr k8s.io/apimachinery/pkg/api/resource k8s.io/apimachinery/pkg/version
