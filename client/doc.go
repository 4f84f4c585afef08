// Package client is how Jetplane's own client verbs (history, audit, and
// the like) reach the gateway: it reads a kubeconfig as kubectl does
// (current context, server, certificate authority, bearer token) and turns
// gateway Status errors into Go errors. The verbs render for terminals.
package client
