// Package admission holds pure checks of kube-apiserver's admission
// plugins that both the gateway (on every request) and the controllers
// that append pods themselves (the replica controller) must run, so that
// a pod a controller creates is admitted as one created through the API.
// The quota and LimitRange plugins live in quota, Pod Security in
// podsecurity; this package has the rest. It imports no NATS, Docker or
// logrus.
package admission
