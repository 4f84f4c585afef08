// Package clusterip decides the ClusterIP data path of a node, as
// kube-proxy does: for every port of every Service with an IPv4 cluster IP,
// the ready backends a connection to clusterIP:port may reach (named target
// ports as the endpoint controller resolved them, internalTrafficPolicy
// Local keeping the backends on this host's nodes), and the session
// affinity. It is pure: Services and Endpoints in, rules out; the service
// proxy's shell renders them into the kernel.
package clusterip
