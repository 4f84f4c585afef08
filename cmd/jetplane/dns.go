package main

import (
	"github.com/jetplane/jetplane/services/clusterdns"
	"github.com/spf13/cobra"
)

func dnsCommand() *cobra.Command {
	var cfg clusterdns.Config
	var advertise string
	cmd := &cobra.Command{
		Use:   "dns",
		Short: "Run the cluster DNS (CoreDNS and its kubernetes plugin) and list it in kube-system/kube-dns",
		Long: `Run the cluster DNS: CoreDNS with the kube-dns addon's plugins, reading the API with client-go
as the identity of --kubeconfig (make one with: jetplane user add system:jetplane:dns), and
keeping its --advertise address in kube-system/kube-dns's Endpoints.`,
		RunE: func(cmd *cobra.Command, args []string) error {
			return clusterdns.Run(cmd.Context(), cfg, advertise)
		},
	}
	f := cmd.Flags()
	f.StringVar(&cfg.Kubeconfig, "kubeconfig", "", "kubeconfig of the DNS's identity (system:jetplane:dns)")
	f.StringVar(&cfg.Listen, "listen", "127.0.0.1:53", "host:port answered on, UDP and TCP")
	f.StringVar(&advertise, "advertise", "", "ip:port pods reach this server at, listed in kube-dns's Endpoints (default: --listen)")
	f.StringVar(&cfg.Domain, "cluster-domain", clusterdns.DefaultDomain, "the cluster domain")
	f.StringSliceVar(&cfg.Upstreams, "upstream", nil, "where other names are forwarded (default: /etc/resolv.conf's servers)")
	f.StringVar(&cfg.HealthListen, "health-listen", "", "serve CoreDNS's /health here")
	f.StringVar(&cfg.ReadyListen, "ready-listen", "", "serve CoreDNS's /ready here")
	_ = cmd.MarkFlagRequired("kubeconfig")
	return cmd
}
