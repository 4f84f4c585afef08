package main

import (
	"context"
	"errors"
	"os"
	"strings"
	"time"

	"github.com/jetplane/jetplane/chaos"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/spf13/cobra"
	"k8s.io/client-go/tools/clientcmd"
)

// chaosCommand runs the fault-injection suite on the compose cluster.
func chaosCommand() *cobra.Command {
	var (
		f          connFlags
		kubeconfig string
		faults     string
		cfg        = chaos.Config{Project: "jetplane", Images: [2]string{"jetplane/hello:1", "jetplane/hello:2"}}
	)
	cmd := &cobra.Command{
		Use:   "chaos",
		Short: "Inject faults into the make cluster cluster under a workload and check the log (make chaos)",
		Long: "For each fault in turn: concurrent creates, CAS increments of counters, a rollout of the hello Deployment and a\n" +
			"watch opened right after the fault; the fault injected through the Docker engine and healed; then every invariant\n" +
			"checked against the whole event log. Exits 1 on a lost write, a violation or a rollout that did not complete.",
		Example: "  jetplane chaos --kubeconfig bin/cluster/kubeconfig --nats tls://127.0.0.1:4301,tls://127.0.0.1:4302,tls://127.0.0.1:4303 \\\n" +
			"    --nats-ca bin/cluster/pki/ca.crt --credentials bin/cluster/creds/operator.creds",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, s := range strings.Split(faults, ",") {
				fault, err := chaos.ParseFault(strings.TrimSpace(s))
				if err != nil {
					return err
				}
				cfg.Faults = append(cfg.Faults, fault)
			}
			kube, err := clientcmd.BuildConfigFromFlags("", kubeconfig)
			if err != nil {
				return err
			}
			kube.QPS, kube.Burst = 500, 1000
			cfg.Kube, cfg.Out = kube, cmd.ErrOrStderr()
			return withLog(cmd.Context(), &f, "jetplane-chaos", func(ctx context.Context, l *natslog.Log) error {
				cfg.Log, cfg.Leases = l, l.Leases()
				rep, err := chaos.Run(ctx, cfg)
				rep.Print(cmd.OutOrStdout())
				if err != nil {
					return err
				}
				if !rep.OK() {
					return errors.New("chaos: a write was lost, an invariant broken or a rollout not completed")
				}
				return nil
			})
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&kubeconfig, "kubeconfig", os.Getenv("KUBECONFIG"), "the cluster's kubeconfig")
	cmd.Flags().StringVar(&faults, "faults", strings.Join(chaos.DefaultFaults, ","), "faults, comma-separated: action:target[@duration]")
	cmd.Flags().IntVar(&cfg.Writes, "writes", 40, "concurrent creates per fault")
	cmd.Flags().IntVar(&cfg.Counters, "counters", 4, "counters incremented by CAS per fault, one client each")
	cmd.Flags().DurationVar(&cfg.Down, "down", 5*time.Second, "how long a fault lasts unless it says (@)")
	cmd.Flags().DurationVar(&cfg.Bound, "bound", 120*time.Second, "the convergence bound of each fault")
	cmd.Flags().DurationVar(&cfg.Settle, "settle", 10*time.Second, "the pause between faults")
	return cmd
}
