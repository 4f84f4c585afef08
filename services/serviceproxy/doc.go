// Package serviceproxy carries Service traffic to ready pods: what kube-proxy
// does on every Kubernetes node. It is the shell: it listens on every
// NodePort — and, for LoadBalancer Services, on the Service port itself, as
// k3s's ServiceLB does — and forwards TCP (proxy.go), and serves Ingress
// over HTTP (ingress_proxy.go). What to forward where (targets, balancer,
// Ingress matching) is decided by the pure package routing, which the
// gateway's service proxy uses too.
package serviceproxy
