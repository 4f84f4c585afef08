package main

import (
	"encoding/json"
	"fmt"
	"os"
	"runtime/pprof"
	"time"

	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/loadtest"
	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

func loadtestCommand() *cobra.Command {
	var f loadtestFlags
	cmd := &cobra.Command{
		Use:   "loadtest",
		Short: "Density test: hollow nodes, Deployments, API latency, replay; every figure beside the raw JetStream ceiling",
		Long: `loadtest starts an all-in-one control plane (or joins one: --nats and --kubeconfig),
registers hollow nodes, creates Deployments, rolls them all to a new image, rebuilds a
projection from the log, and prints a table of what it measured beside raw JetStream
appends and replay on the same server in the same run.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			cfg, err := f.config(cmd)
			if err != nil {
				return err
			}
			if f.cpuProfile != "" {
				f, err := os.Create(f.cpuProfile)
				if err != nil {
					return fmt.Errorf("--cpu-profile: %w", err)
				}
				defer f.Close()
				if err := pprof.StartCPUProfile(f); err != nil {
					return fmt.Errorf("--cpu-profile: %w", err)
				}
				defer pprof.StopCPUProfile()
			}
			if f.heapProfile != "" {
				cfg.AtScale = func() error { return writeHeapProfile(f.heapProfile) }
			}
			rep, err := loadtest.Run(cmd.Context(), cfg)
			if err != nil {
				return err
			}
			rep.Table(cmd.OutOrStdout())
			return writeReport(rep, f.jsonOut, f.htmlOut)
		},
	}
	f.register(cmd)
	return cmd
}

// writeReport writes the report as JSON and as an HTML page where asked.
// loadtestFlags are the load test's command-line settings.
type loadtestFlags struct {
	preset, jsonOut, htmlOut        string
	nodes, deployments, pods        int
	rate                            int
	apiFor, timeout                 time.Duration
	natsURL, kubeconfig, dir, creds string
	natsCA                          string
	cpuProfile, heapProfile         string
}

func (f *loadtestFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVar(&f.preset, "preset", "small", "size: smoke, small (100 nodes, 2,000 pods) or large (1,000 nodes, 100,000 pods)")
	fl.IntVar(&f.nodes, "nodes", 0, "hollow nodes (overrides the preset)")
	fl.IntVar(&f.deployments, "deployments", 0, "Deployments (overrides the preset)")
	fl.IntVar(&f.pods, "pods", 0, "pods in all (overrides the preset)")
	fl.IntVar(&f.rate, "api-rate", 0, "requests per second of the API phase (overrides the preset)")
	fl.DurationVar(&f.apiFor, "api-duration", 0, "length of the API phase (overrides the preset)")
	fl.DurationVar(&f.timeout, "timeout", 0, "longest wait of each phase (overrides the preset)")
	fl.StringVar(&f.jsonOut, "json", "loadtest.json", "write the report as JSON here (empty: don't)")
	fl.StringVar(&f.htmlOut, "html", "loadtest.html", "write the report with its charts as an HTML page here (empty: don't)")
	fl.StringVar(&f.natsURL, "nats", "", "join the control plane behind this NATS URL instead of starting one")
	fl.StringVar(&f.kubeconfig, "kubeconfig", "", "with --nats: the kubeconfig of its gateway")
	fl.StringVar(&f.creds, "credentials", "", "with --nats: the operator's NATS credentials (jetplane credentials operator): the ceiling needs a stream of its own; the hollow nodes report through the control plane")
	fl.StringVar(&f.natsCA, "nats-ca", "", "with --nats: the CA certificate (PEM) of a NATS that serves TLS")
	fl.StringVar(&f.dir, "data", "", "data directory of the all-in-one (default: a temporary one)")
	fl.StringVar(&f.cpuProfile, "cpu-profile", "", "write a CPU profile of the whole run here (go tool pprof)")
	fl.StringVar(&f.heapProfile, "heap-profile", "", "write a heap profile here once every pod is Ready")
}

// config is the preset with the flags a user set on top.
func (f *loadtestFlags) config(cmd *cobra.Command) (loadtest.Config, error) {
	cfg, err := loadtest.Preset(f.preset)
	if err != nil {
		return cfg, err
	}
	set := func(name string, to *int, v int) {
		if cmd.Flags().Changed(name) {
			*to = v
		}
	}
	set("nodes", &cfg.Nodes, f.nodes)
	set("deployments", &cfg.Deployments, f.deployments)
	set("pods", &cfg.Pods, f.pods)
	set("api-rate", &cfg.APIRate, f.rate)
	if cmd.Flags().Changed("api-duration") {
		cfg.APIDuration = f.apiFor
	}
	if cmd.Flags().Changed("timeout") {
		cfg.Timeout = f.timeout
	}
	cfg.NATSURL, cfg.Kubeconfig, cfg.DataDir, cfg.Progress = f.natsURL, f.kubeconfig, f.dir, os.Stderr
	if f.creds != "" {
		creds, err := natslog.ReadCredentials(f.creds)
		if err != nil {
			return cfg, err
		}
		cfg.Credentials = creds
	}
	if f.natsCA != "" {
		if cfg.NATSCA, err = os.ReadFile(f.natsCA); err != nil {
			return cfg, fmt.Errorf("--nats-ca: %w", err)
		}
	}
	// The services' own logs would bury the progress lines.
	if !cmd.Flags().Changed("log-level") {
		logrus.SetLevel(logrus.WarnLevel)
	}
	return cfg, nil
}

func writeReport(rep *loadtest.Report, jsonOut, htmlOut string) error {
	if jsonOut != "" {
		data, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(jsonOut, append(data, '\n'), 0o644); err != nil {
			return fmt.Errorf("--json: %w", err)
		}
	}
	if htmlOut == "" {
		return nil
	}
	f, err := os.Create(htmlOut)
	if err != nil {
		return fmt.Errorf("--html: %w", err)
	}
	defer f.Close()
	if err := rep.HTML(f); err != nil {
		return fmt.Errorf("--html: %w", err)
	}
	return nil
}

func writeHeapProfile(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return fmt.Errorf("--heap-profile: %w", err)
	}
	defer f.Close()
	return pprof.Lookup("heap").WriteTo(f, 0)
}
