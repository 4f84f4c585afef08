package allinone

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"time"

	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/authz"
	"github.com/jetplane/jetplane/client"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/jetplane/jetplane/services/clusterdns"
	"github.com/jetplane/jetplane/services/nodeagent/runtime"
	"github.com/sirupsen/logrus"
)

// DNSAuto: the cluster DNS listens where the node's pods reach the host —
// port 53 on the Docker bridge's gateway for the docker runtime, a free
// loopback port otherwise.
const DNSAuto = "auto"

// startDNS runs CoreDNS (services/clusterdns) as system:jetplane:dns when
// o.DNSAddr asks for it and returns the cluster DNS IP the node agent puts
// in pods' resolv.conf ("" when there is none).
func (c *Cluster) startDNS(ctx context.Context, o Options, rt runtime.Runtime) (string, error) {
	if o.DNSAddr == "" || o.DNSAddr == "-" {
		return "", nil
	}
	listen := o.DNSAddr
	if listen == DNSAuto {
		listen = "127.0.0.1:0"
		if gw, ok := rt.(interface {
			Gateway(context.Context) (string, error)
		}); ok {
			ip, err := gw.Gateway(ctx)
			if err != nil {
				return "", fmt.Errorf("cluster DNS: %w", err)
			}
			listen = net.JoinHostPort(ip, "53")
		}
	}
	kubeconfig := filepath.Join(o.DataDir, "pki", "dns.kubeconfig")
	certPEM, keyPEM, err := authn.IssueClientCertificate(c.pki.CAPEM, c.pki.CAKeyPEM, authn.ClientCertRequest{
		User: authz.DNSUser, NotBefore: time.Now(), Lifetime: AdminCertLifetime})
	if err != nil {
		return "", fmt.Errorf("cluster DNS: certificate: %w", err)
	}
	if err := client.WriteKubeconfig(kubeconfig, c.GatewayURL, c.CAPEM, authz.DNSUser,
		client.Credentials{ClientCertPEM: certPEM, ClientKeyPEM: keyPEM}); err != nil {
		return "", err
	}
	if err := os.Chmod(kubeconfig, 0o600); err != nil {
		return "", err
	}
	srv, err := clusterdns.Start(clusterdns.Config{Kubeconfig: kubeconfig, Listen: listen, Upstreams: o.DNSUpstreams,
		CacheSeconds: o.DNSCacheSeconds, HealthListen: o.DNSHealthAddr, ReadyListen: o.DNSReadyAddr})
	if err != nil && o.DNSAddr == DNSAuto {
		// Port 53 may want root, or be someone else's: pods keep the
		// node's resolver, as with no cluster DNS.
		logrus.WithError(err).WithField("service", "clusterdns").Warn("no cluster DNS: pods keep the node's resolver")
		return "", nil
	}
	if err != nil {
		return "", err
	}
	c.DNSAddr = srv.Addr
	c.goRun("clusterdns", func() error {
		defer srv.Stop()
		return clusterdns.Listed(ctx, kubeconfig, srv.Addr)
	})
	ip := o.ClusterDNS
	if ip == "" {
		cidr := o.ServiceCIDR
		if cidr == "" {
			cidr = apis.DefaultServiceCIDR
		}
		r, err := apis.ParseServiceRange(cidr)
		if err != nil {
			return "", err
		}
		ip = r.At(9)
	}
	logrus.WithFields(logrus.Fields{"service": "clusterdns", "listen": srv.Addr, "clusterIP": ip}).Info("cluster DNS serving")
	return ip, nil
}
