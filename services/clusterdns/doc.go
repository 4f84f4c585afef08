// Package clusterdns is the cluster DNS: CoreDNS itself, run as a library
// in Jetplane's process with the plugins the kube-dns addon's Corefile
// uses (bind, errors, health, ready, kubernetes, forward, cache). Its
// kubernetes plugin reads Services, EndpointSlices, Pods and Namespaces
// through Jetplane's API with client-go informers, authenticated as
// system:jetplane:dns; the server lists its own address in
// kube-system/kube-dns's Endpoints, so the kube-dns cluster IP reaches it.
package clusterdns
