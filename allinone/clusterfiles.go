package allinone

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jetplane/jetplane/authn"
	"github.com/jetplane/jetplane/authz"
	"github.com/jetplane/jetplane/client"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/gateway"
	"github.com/jetplane/jetplane/gateway/apis"
	"github.com/jetplane/jetplane/seal"
)

// ClusterFiles describes the files a cluster of separate processes shares
// (make cluster): one CA, one NATS trust, the keys every gateway needs the
// same, a serving certificate per kind of server and the credentials of
// every service and node.
type ClusterFiles struct {
	Dir          string   // where they are written (a data directory's layout)
	NATSHosts    []string // names and addresses the NATS nodes serve on
	GatewayHosts []string // names and addresses the gateways serve on
	Nodes        []string // node names: an agent's and a proxy's credentials each
	Server       string   // the admin kubeconfig's server URL
	ServiceCIDR  string   // default apis.DefaultServiceCIDR
}

// ControlPlaneServices are the control-plane identities a cluster's
// services run as (credentials controlplane-<name>.creds).
var ControlPlaneServices = []string{"gateway", "scheduler", "replicacontroller", "endpointcontroller", "sealer"}

// Cluster file names, under ClusterFiles.Dir.
const (
	ClusterGatewayCert = "pki/gateway.crt"
	ClusterGatewayKey  = "pki/gateway.key"
	ClusterNATSCert    = "pki/nats.crt"
	ClusterNATSKey     = "pki/nats.key"
)

// WriteClusterFiles makes (or completes) the files of f.Dir. What exists is
// kept — the CA, the trust, the Secrets' cluster keys, the service-account
// and seal keys — so a cluster's files can be written again (more nodes,
// other hosts) without invalidating anything issued before; certificates
// and credentials are issued anew each time.
func WriteClusterFiles(f ClusterFiles) error {
	if f.Dir == "" || f.Server == "" || len(f.NATSHosts) == 0 || len(f.GatewayHosts) == 0 {
		return fmt.Errorf("cluster files: a directory, a server URL, NATS hosts and gateway hosts are required")
	}
	cidr := f.ServiceCIDR
	if cidr == "" {
		cidr = apis.DefaultServiceCIDR
	}
	services, err := apis.ParseServiceRange(cidr)
	if err != nil {
		return err
	}
	pkiDir := filepath.Join(f.Dir, "pki")
	certs, err := loadPKI(pkiDir, "", services.At(0))
	if err != nil {
		return err
	}
	loopback := []string{"localhost", "127.0.0.1", "::1"}
	now := time.Now()
	gwHosts := append(append(append([]string{}, f.GatewayHosts...), loopback...), "kubernetes", "kubernetes.default",
		"kubernetes.default.svc", "kubernetes.default.svc.cluster.local", services.At(0))
	if err := writeServingCert(f.Dir, certs, ClusterGatewayCert, ClusterGatewayKey, authn.ServingCertRequest{
		Name: "jetplane-gateway", Hosts: gwHosts, NotBefore: now, Lifetime: AdminCertLifetime}); err != nil {
		return err
	}
	// One certificate for the clients' listener and the routes (Peer: the
	// routes present it both ways).
	if err := writeServingCert(f.Dir, certs, ClusterNATSCert, ClusterNATSKey, authn.ServingCertRequest{
		Name: "jetplane-nats", Hosts: append(append([]string{}, f.NATSHosts...), loopback...), NotBefore: now,
		Lifetime: AdminCertLifetime, Peer: true}); err != nil {
		return err
	}
	if _, err := loadServiceAccountKey(pkiDir); err != nil {
		return err
	}
	if _, err := gateway.LoadSecretKeyring(SecretKeysDir(f.Dir)); err != nil {
		return err
	}
	if _, err := seal.EnsureKey(pkiDir); err != nil {
		return err
	}
	trust, err := natslog.EnsureTrust(TrustDir(f.Dir))
	if err != nil {
		return err
	}
	if _, err := natslog.RouteSecret(TrustDir(f.Dir)); err != nil {
		return err
	}
	ids := []natslog.Identity{{Role: natslog.RoleOperator}}
	for _, name := range ControlPlaneServices {
		ids = append(ids, natslog.Identity{Role: natslog.RoleControlPlane, Name: name})
	}
	for _, node := range f.Nodes {
		ids = append(ids, natslog.Identity{Role: natslog.RoleNode, Name: node}, natslog.Identity{Role: natslog.RoleProxy, Name: node})
	}
	for _, id := range ids {
		creds, err := trust.Mint(id, natslog.Config{})
		if err != nil {
			return err
		}
		if err := creds.WriteFile(ClusterCredentials(f.Dir, id)); err != nil {
			return err
		}
	}
	certPEM, keyPEM, err := authn.IssueClientCertificate(certs.CAPEM, certs.CAKeyPEM, authn.ClientCertRequest{
		User: "admin", Groups: []string{authz.SystemMasters}, NotBefore: now, Lifetime: AdminCertLifetime})
	if err != nil {
		return fmt.Errorf("cluster files: admin certificate: %w", err)
	}
	return client.WriteKubeconfig(filepath.Join(f.Dir, "kubeconfig"), f.Server, certs.CAPEM, "admin",
		client.Credentials{ClientCertPEM: certPEM, ClientKeyPEM: keyPEM})
}

// ClusterCredentials is where WriteClusterFiles puts id's NATS credentials.
func ClusterCredentials(dir string, id natslog.Identity) string {
	name := string(id.Role)
	if id.Name != "" {
		name += "-" + id.Name
	}
	return filepath.Join(dir, "creds", name+".creds")
}

// writeServingCert issues a serving certificate of the cluster CA and
// writes it and its key (0600) under dir.
func writeServingCert(dir string, certs *pki, certFile, keyFile string, req authn.ServingCertRequest) error {
	for _, h := range req.Hosts {
		if h == "" {
			return fmt.Errorf("cluster files: an empty host among %q", req.Hosts)
		}
	}
	certPEM, keyPEM, err := authn.IssueServingCertificate(certs.CAPEM, certs.CAKeyPEM, req)
	if err != nil {
		return fmt.Errorf("cluster files: %s: %w", req.Name, err)
	}
	for path, data := range map[string][]byte{certFile: certPEM, keyFile: keyPEM} {
		if err := os.WriteFile(filepath.Join(dir, path), data, 0o600); err != nil {
			return fmt.Errorf("cluster files: %w", err)
		}
	}
	return nil
}
