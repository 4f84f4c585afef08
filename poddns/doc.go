// Package poddns decides a pod's resolv.conf as the kubelet does from its
// dnsPolicy and dnsConfig: ClusterFirst (the default) names the cluster DNS
// with the search path <ns>.svc.<domain> svc.<domain> <domain> and ndots:5;
// Default keeps the node's resolver; None uses dnsConfig alone. It is pure:
// the Docker runtime writes what it returns.
package poddns
