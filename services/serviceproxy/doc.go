// Package serviceproxy carries Service traffic to ready pods: what kube-proxy
// does on every Kubernetes node. The pure part resolves a Service port to the
// ready endpoint addresses (targets.go) and picks one per connection, round
// robin or pinned to a client by sessionAffinity ClientIP (balance.go). The
// shell (proxy.go) listens on every NodePort — and, for LoadBalancer
// Services, on the Service port itself, as k3s's ServiceLB does — and
// forwards TCP. The gateway's service proxy uses the same pure part.
package serviceproxy
