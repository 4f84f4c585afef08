package allinone_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/client"
	"github.com/jetplane/jetplane/events/natslog"
)

// The files of make cluster fit together: a NATS server serving TLS with
// nats.crt and the shared trust takes a service's credentials over TLS
// checked against the CA; the gateway's certificate names every gateway
// host and the in-cluster names; the kubeconfig names the server; and
// writing them again keeps the CA, so nothing issued before goes invalid.
func TestClusterFilesFitTogether(t *testing.T) {
	dir := t.TempDir()
	files := allinone.ClusterFiles{Dir: dir, NATSHosts: []string{"nats-1", "nats-2"}, GatewayHosts: []string{"gateway-1", "balancer"},
		Nodes: []string{"host-1"}, Server: "https://127.0.0.1:16443"}
	if err := allinone.WriteClusterFiles(files); err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(filepath.Join(dir, "pki", allinone.CACertFile))
	if err != nil {
		t.Fatal(err)
	}
	pool := x509.NewCertPool()
	pool.AppendCertsFromPEM(caPEM)
	leaf := func(certFile, keyFile string) (tls.Certificate, *x509.Certificate) {
		t.Helper()
		pair, err := tls.LoadX509KeyPair(filepath.Join(dir, certFile), filepath.Join(dir, keyFile))
		if err != nil {
			t.Fatal(err)
		}
		c, err := x509.ParseCertificate(pair.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return pair, c
	}
	_, gw := leaf(allinone.ClusterGatewayCert, allinone.ClusterGatewayKey)
	for _, host := range []string{"gateway-1", "balancer", "127.0.0.1", "kubernetes.default.svc", "10.96.0.1"} {
		if _, err := gw.Verify(x509.VerifyOptions{DNSName: host, Roots: pool}); err != nil {
			t.Errorf("gateway certificate for %s: %v", host, err)
		}
	}
	natsPair, natsLeaf := leaf(allinone.ClusterNATSCert, allinone.ClusterNATSKey)
	if _, err := natsLeaf.Verify(x509.VerifyOptions{DNSName: "nats-2", Roots: pool,
		KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}); err != nil {
		t.Errorf("nats certificate as a route's client: %v", err)
	}

	trust, err := natslog.LoadTrust(allinone.TrustDir(dir), false)
	if err != nil {
		t.Fatal(err)
	}
	srv, err := natslog.StartEmbedded(natslog.EmbeddedOptions{Dir: t.TempDir(), Trust: trust,
		TLS: &tls.Config{Certificates: []tls.Certificate{natsPair}, MinVersion: tls.VersionTLS12}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Shutdown)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	open := func(id natslog.Identity, manage bool) (*natslog.Log, error) {
		creds, err := natslog.ReadCredentials(allinone.ClusterCredentials(dir, id))
		if err != nil {
			t.Fatal(err)
		}
		return natslog.Dial(ctx, srv.URL(), "test", natslog.Config{Credentials: creds, CAPEM: caPEM, Manage: manage})
	}
	op, err := open(natslog.Identity{Role: natslog.RoleOperator}, true)
	if err != nil {
		t.Fatalf("the operator's credentials: %v", err)
	}
	op.Close()
	sched, err := open(natslog.Identity{Role: natslog.RoleControlPlane, Name: "scheduler"}, false)
	if err != nil {
		t.Fatalf("the scheduler's credentials: %v", err)
	}
	sched.Close()

	kc, err := client.FromKubeconfig(filepath.Join(dir, "kubeconfig"))
	if err != nil || kc.Server != files.Server {
		t.Fatalf("kubeconfig: %v, server %q", err, kc.Server)
	}
	if err := allinone.WriteClusterFiles(files); err != nil {
		t.Fatal(err)
	}
	again, err := os.ReadFile(filepath.Join(dir, "pki", allinone.CACertFile))
	if err != nil || string(again) != string(caPEM) {
		t.Errorf("the CA changed when the files were written again (%v)", err)
	}
}
