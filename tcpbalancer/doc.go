// Package tcpbalancer spreads TCP connections over several backends, each
// connection to the next backend that answers: it puts a cluster's gateways
// behind the one server address a kubeconfig holds (make cluster). It
// copies bytes and looks at none: TLS goes through to the gateway, so
// client certificates still reach it.
package tcpbalancer
