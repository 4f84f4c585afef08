package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/sirupsen/logrus"
	"github.com/spf13/cobra"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

type globalFlags struct {
	logFormat string
	logLevel  string
}

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := rootCommand().ExecuteContext(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "error:", err)
		os.Exit(1)
	}
}

func rootCommand() *cobra.Command {
	var g globalFlags
	root := &cobra.Command{
		Use:           "jetplane",
		Short:         "An event-sourced, Kubernetes-compatible container orchestrator on NATS JetStream",
		SilenceUsage:  true,
		SilenceErrors: true,
		PersistentPreRunE: func(cmd *cobra.Command, args []string) error {
			return setupLogging(g)
		},
	}
	root.PersistentFlags().StringVar(&g.logFormat, "log-format", "text", "log format: text or json")
	root.PersistentFlags().StringVar(&g.logLevel, "log-level", "info", "log level: debug, info, warn, error")
	root.AddCommand(upCommand(), natsCommand(), gatewayCommand(), schedulerCommand(), controllerCommand(),
		endpointsCommand(), agentCommand(), credentialsCommand(), sealerCommand(), verifyCommand(), versionCommand())
	root.AddCommand(historyCommand(), restoreCommand(), getCommand(), proxyCommand())
	root.AddCommand(logsCommand(), dnsCommand(), clusterFilesCommand(), balanceCommand(), backupCommand(), restoreClusterCommand(), chaosCommand())
	root.AddCommand(rolloutCommand(), loadtestCommand(), userCommand(), rotateSecretKeysCommand())
	return root
}

func setupLogging(g globalFlags) error {
	lvl, err := logrus.ParseLevel(g.logLevel)
	if err != nil {
		return fmt.Errorf("--log-level: %w", err)
	}
	logrus.SetLevel(lvl)
	switch g.logFormat {
	case "json":
		logrus.SetFormatter(&logrus.JSONFormatter{})
	case "text":
		logrus.SetFormatter(&logrus.TextFormatter{FullTimestamp: true})
	default:
		return fmt.Errorf("--log-format %q: want text or json", g.logFormat)
	}
	return nil
}

func versionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Run: func(cmd *cobra.Command, args []string) {
			fmt.Fprintln(cmd.OutOrStdout(), "jetplane", version)
		},
	}
}
