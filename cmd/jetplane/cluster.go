package main

import (
	"fmt"
	"net"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/tcpbalancer"
	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

// clusterFilesCommand writes what the processes of a cluster share (make
// cluster): the CA, the NATS trust, certificates, keys, credentials and
// the admin's kubeconfig.
func clusterFilesCommand() *cobra.Command {
	var f allinone.ClusterFiles
	cmd := &cobra.Command{
		Use:   "cluster-files",
		Short: "Write the certificates, keys, NATS credentials and kubeconfig of a multi-process cluster",
		Example: `  jetplane cluster-files --dir bin/cluster --nats-hosts nats-1,nats-2,nats-3 \
    --gateway-hosts gateway-1,gateway-2 --nodes host-1,host-2 --server https://127.0.0.1:6443`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := allinone.WriteClusterFiles(f); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "cluster files written to %s (keep pki/ and creds/ secret); kubeconfig: %s/kubeconfig\n", f.Dir, f.Dir)
			return nil
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.Dir, "dir", "jetplane-cluster", "directory to write (kept: what exists is reused)")
	fl.StringSliceVar(&f.NATSHosts, "nats-hosts", nil, "names and addresses the NATS nodes serve on")
	fl.StringSliceVar(&f.GatewayHosts, "gateway-hosts", nil, "names and addresses the gateways serve on")
	fl.StringSliceVar(&f.Nodes, "nodes", nil, "node names: an agent's and a proxy's credentials for each")
	fl.StringVar(&f.Server, "server", "https://127.0.0.1:6443", "the admin kubeconfig's server")
	fl.StringVar(&f.ServiceCIDR, "service-cidr", "10.96.0.0/12", "range of service cluster IPs")
	return cmd
}

// balanceCommand puts several gateways behind one address.
func balanceCommand() *cobra.Command {
	var listen string
	var backends []string
	cmd := &cobra.Command{
		Use:   "balance",
		Short: "Spread TCP connections over several gateways (one kubeconfig server for a cluster)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			ln, err := net.Listen("tcp", listen)
			if err != nil {
				return err
			}
			log := logrus.WithField("service", "balance")
			log.WithFields(logrus.Fields{"listen": ln.Addr().String(), "backends": backends}).Info("balancing")
			b := &tcpbalancer.Balancer{Backends: backends}
			return b.Serve(cmd.Context(), ln, func(err error) { log.WithError(err).Warn("connection not relayed") })
		},
	}
	cmd.Flags().StringVar(&listen, "listen", "127.0.0.1:6443", "address to accept on")
	cmd.Flags().StringSliceVar(&backends, "to", nil, "backends, host:port")
	return cmd
}
