package allinone

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/authz"
	"github.com/jetplane/jetplane/client"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/gateway"
	"github.com/jetplane/jetplane/services/nodereports"
)

// startGateway serves the API over TLS on o.GatewayAddr with the cluster's
// certificates, the admin token and the users' tokens; it stops with ctx.
func (c *Cluster) startGateway(ctx context.Context, o Options) (*gateway.Server, error) {
	var err error
	if c.Token, err = loadToken(filepath.Join(o.DataDir, "admin-token")); err != nil {
		return nil, err
	}
	certs := c.pki
	saKey, err := loadServiceAccountKey(filepath.Join(o.DataDir, "pki"))
	if err != nil {
		return nil, err
	}
	secretKeys, err := gateway.LoadSecretKeyring(SecretKeysDir(o.DataDir))
	if err != nil {
		return nil, err
	}
	c.CAPEM = certs.CAPEM
	// The admin's kubeconfig presents a client certificate in
	// system:masters (kubectl), and the admin token (Jetplane's client verbs).
	certPEM, keyPEM, err := authn.IssueClientCertificate(certs.CAPEM, certs.CAKeyPEM, authn.ClientCertRequest{
		User: "admin", Groups: []string{authz.SystemMasters}, NotBefore: time.Now(), Lifetime: AdminCertLifetime})
	if err != nil {
		return nil, fmt.Errorf("pki: admin certificate: %w", err)
	}
	c.admin = client.Credentials{Token: c.Token, ClientCertPEM: certPEM, ClientKeyPEM: keyPEM}
	clientCAs, err := authn.CAPool(certs.CAPEM)
	if err != nil {
		return nil, fmt.Errorf("pki: %w", err)
	}
	ln, err := net.Listen("tcp", o.GatewayAddr)
	if err != nil {
		return nil, fmt.Errorf("gateway listen %s: %w", o.GatewayAddr, err)
	}
	c.GatewayURL = "https://" + dialable(ln.Addr())
	gwLog, err := c.open(ctx, "jetplane-gateway", natslog.Identity{Role: natslog.RoleControlPlane, Name: "gateway"}, o.Events)
	if err != nil {
		ln.Close()
		return nil, err
	}
	gw, err := gateway.New(ctx, gateway.Config{Log: gwLog, Instance: o.NodeName, Listener: ln,
		Tokens: o.tokens(c.Token), Groups: map[string][]string{"admin": {authz.SystemMasters}},
		ClientCAs: clientCAs, Anonymous: o.AnonymousAuth, ServiceCIDR: o.ServiceCIDR, ClusterDNS: o.ClusterDNS, ServiceAccountKey: saKey,
		SecretKeys: secretKeys})
	if err != nil {
		ln.Close()
		return nil, fmt.Errorf("gateway: %w", err)
	}
	// The gateway's process checks and appends the node agents' reports,
	// as kube-apiserver's NodeRestriction does, over the gateway's projection.
	// Its own connection: appends wait for their acknowledgement, which
	// would queue behind the projection's deliveries on the gateway's.
	reportsLog, err := c.open(ctx, "jetplane-nodereports", natslog.Identity{Role: natslog.RoleControlPlane, Name: "nodereports"}, o.Events)
	if err != nil {
		ln.Close()
		return nil, err
	}
	if _, err := nodereports.Start(ctx, nodereports.Config{Log: reportsLog, Projection: gw.Projection()}); err != nil {
		ln.Close()
		return nil, err
	}
	httpSrv := &http.Server{Handler: gw.Handler(), ReadHeaderTimeout: 10 * time.Second,
		// Client certificates are asked for, not checked here: a bad one is a
		// 401 from the gateway, not a failed handshake.
		TLSConfig: &tls.Config{Certificates: []tls.Certificate{certs.Cert}, MinVersion: tls.VersionTLS12,
			ClientAuth: tls.RequestClientCert}}
	c.goRun("gateway", func() error {
		stop := context.AfterFunc(ctx, func() {
			sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer scancel()
			_ = httpSrv.Shutdown(sctx)
		})
		defer stop()
		if err := httpSrv.ServeTLS(ln, "", ""); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	return gw, nil
}

// SecretKeysDir is where a data directory keeps the cluster keys that wrap
// Secrets' data keys (files 0600, never in NATS): losing them loses every
// Secret's values.
func SecretKeysDir(dataDir string) string { return filepath.Join(dataDir, "pki", "secrets") }
