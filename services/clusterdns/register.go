package clusterdns

import (
	"context"
	"fmt"
	"net"
	"strconv"
	"time"

	"github.com/jetplane/jetplane/routing"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/client-go/kubernetes"
	"k8s.io/client-go/tools/clientcmd"
)

// The Service the DNS servers list themselves in (the gateway creates it).
const (
	ServiceNamespace = "kube-system"
	ServiceName      = "kube-dns"
)

// Register puts addr (ip:port) in kube-dns's Endpoints through the API,
// retrying until it lands or ctx ends; a conflict (another server listing
// itself at the same time) is read again and retried.
func Register(ctx context.Context, kubeconfig, addr string) error {
	host, p, err := net.SplitHostPort(addr)
	if err != nil {
		return fmt.Errorf("clusterdns: advertise %q: %w", addr, err)
	}
	port, err := strconv.Atoi(p)
	if err != nil || net.ParseIP(host) == nil {
		return fmt.Errorf("clusterdns: advertise %q: want ip:port", addr)
	}
	rest, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
	if err != nil {
		return fmt.Errorf("clusterdns: %w", err)
	}
	cs, err := kubernetes.NewForConfig(rest)
	if err != nil {
		return fmt.Errorf("clusterdns: %w", err)
	}
	wait := 100 * time.Millisecond
	for {
		err := register(ctx, cs, host, int32(port))
		if err == nil {
			return nil
		}
		select {
		case <-ctx.Done():
			return fmt.Errorf("clusterdns: register %s: %w", addr, err)
		case <-time.After(wait):
		}
		wait = min(2*wait, 5*time.Second)
	}
}

func register(ctx context.Context, cs kubernetes.Interface, ip string, port int32) error {
	eps := cs.CoreV1().Endpoints(ServiceNamespace)
	ep, err := eps.Get(ctx, ServiceName, metav1.GetOptions{})
	if apierrors.IsNotFound(err) {
		ep = &corev1.Endpoints{ObjectMeta: metav1.ObjectMeta{Name: ServiceName, Namespace: ServiceNamespace,
			Labels: map[string]string{"k8s-app": "kube-dns"}}}
		if !routing.WithAddress(ep, ip, dnsPorts(port)) {
			return nil
		}
		_, err = eps.Create(ctx, ep, metav1.CreateOptions{})
		return err
	}
	if err != nil {
		return err
	}
	if !routing.WithAddress(ep, ip, dnsPorts(port)) {
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
