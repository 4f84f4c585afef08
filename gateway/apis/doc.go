// Package apis holds the pure Kubernetes API semantics the gateway applies:
// defaulting, validation (as Kubernetes validates, with field paths), the
// warnings for fields Jetplane stores but does not act on, Table printing for
// `kubectl get`, and the discovery documents. It does no I/O.
package apis
