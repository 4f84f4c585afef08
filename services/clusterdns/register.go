package clusterdns

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jetplane/jetplane/routing"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// The Service the DNS servers list themselves in (the gateway creates it).
const (
	ServiceNamespace = "kube-system"
	ServiceName      = "kube-dns"
)

// relistEvery: how often a running server checks it is still listed (the
// Endpoints may have been deleted or rewritten).
const relistEvery = 30 * time.Second

// Listed keeps addr (ip:port) in kube-dns's Endpoints through the API until
// ctx ends, then takes it out, so that a server that stops leaves no dead
// address behind. Failures are retried with back-off.
func Listed(ctx context.Context, kubeconfig, addr string) error {
	cs, ip, port, err := registration(kubeconfig, addr)
	if err != nil {
		return err
	}
	wait := 100 * time.Millisecond
	for {
		next := relistEvery
		if err := update(ctx, cs, ip, port, true); err != nil {
			next, wait = wait, min(2*wait, 5*time.Second)
		} else {
			wait = 100 * time.Millisecond
		}
		select {
		case <-ctx.Done():
			dctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = update(dctx, cs, ip, port, false)
			return nil
		case <-time.After(next):
		}
	}
}

func registration(kubeconfig, addr string) (kubernetes.Interface, string, int32, error) {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return nil, "", 0, fmt.Errorf("clusterdns: advertise %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || net.ParseIP(host) == nil {
		return nil, "", 0, fmt.Errorf("clusterdns: advertise %q: want ip:port", addr)
	}
	rest, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return nil, "", 0, fmt.Errorf("clusterdns: %w", err)
	}
	cs, err := kubernetes.NewForConfig(rest)
	if err != nil {
		return nil, "", 0, fmt.Errorf("clusterdns: %w", err)
	}
	return cs, host, int32(port), nil
}

// update adds (list) or removes ip:port in kube-dns's Endpoints, which
// the gateway creates with kube-dns (this identity may not create any).
func update(ctx context.Context, cs kubernetes.Interface, ip string, port int32, list bool) error {
	eps := cs.CoreV1().Endpoints(ServiceNamespace)
	ep, err := eps.Get(ctx, ServiceName, metav1.GetOptions{})
	if err != nil {
		return err
	}
	changed := false
	if list {
		changed = routing.WithAddress(ep, ip, dnsPorts(port))
	} else {
		changed = routing.WithoutAddress(ep, ip, dnsPorts(port))
	}
	if !changed {
		return nil
	}
	_, err = eps.Update(ctx, ep, metav1.UpdateOptions{})
	return err
}

// dnsPorts are kube-dns's Endpoints ports, named as its Service's.
func dnsPorts(port int32) []corev1.EndpointPort {
	return []corev1.EndpointPort{{Name: "dns", Port: port, Protocol: corev1.ProtocolUDP},
		{Name: "dns-tcp", Port: port, Protocol: corev1.ProtocolTCP}}
}
