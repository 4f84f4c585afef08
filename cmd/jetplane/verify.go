package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/seal"
	"github.com/jetplane/jetplane/services/sealer"
	"github.com/spf13/cobra"
)

func sealerCommand() *cobra.Command {
	var keyDir string
	var every int
	var interval time.Duration
	return serviceCommand("sealer", "Seal the event log with signed checkpoints (jetplane verify checks them)", func(c *cobra.Command) {
		c.Flags().StringVar(&keyDir, "key-dir", "jetplane-data/pki", "directory of seal.key (made on first use) and seal.pub")
		c.Flags().IntVar(&every, "every", 1000, "seal after this many events")
		c.Flags().DurationVar(&interval, "interval", 10*time.Second, "and once the oldest unsealed event is this old")
	}, func(ctx context.Context, l *natslog.Log, instance string) error {
		key, err := seal.EnsureKey(keyDir)
		if err != nil {
			return err
		}
		return sealer.Run(ctx, sealer.Config{Log: l, Key: key, Instance: instance, Every: every, Interval: interval})
	})
}

// errTampered makes verify exit non-zero once it has printed the finding.
var errTampered = errors.New("the event log does not match its checkpoints")

func verifyCommand() *cobra.Command {
	var dataDir, url, credsFile, keyFile, prefix, caFile string
	var from uint64
	cmd := &cobra.Command{
		Use:   "verify",
		Short: "Re-read the event log and check it against its signed checkpoints",
		Long: `verify reads EVENTS from --from (default: its first message) and reports the first sequence where
a message is missing, altered, inserted or out of order, or a checkpoint's signature or chain fails.
It connects with --credentials, or else with an identity of Jetplane's account signed by --data's NATS trust
(node agents, proxies and auditors read a mirror of EVENTS in an account of their own).`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if keyFile == "" {
				keyFile = filepath.Join(dataDir, "pki", seal.PublicKeyFile)
			}
			pub, err := seal.ReadPublicKey(keyFile)
			if err != nil {
				return err
			}
			cfg := natslog.Config{Prefix: prefix}
			if credsFile != "" {
				cfg.Credentials, err = natslog.ReadCredentials(credsFile)
			} else {
				var trust *natslog.Trust
				if trust, err = natslog.LoadTrust(allinone.TrustDir(dataDir), true); err == nil {
					// EVENTS itself, in Jetplane's account (readers see a mirror):
					// an identity that manages no stream.
					cfg.Credentials, err = trust.Mint(natslog.Identity{Role: natslog.RoleControlPlane, Name: "verify"}, cfg)
				}
			}
			if err != nil {
				return err
			}
			if caFile != "" {
				if cfg.CAPEM, err = os.ReadFile(caFile); err != nil {
					return fmt.Errorf("--nats-ca: %w", err)
				}
			}
			l, err := natslog.Dial(cmd.Context(), url, "jetplane-verify", cfg)
			if err != nil {
				return err
			}
			defer l.Close()
			res, err := sealer.Verify(cmd.Context(), l, pub, from)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			if res.Finding != nil {
				fmt.Fprintf(out, "FAILED at %s\n", res.Finding)
				return errTampered
			}
			if res.Checkpoints == 0 {
				fmt.Fprintf(out, "no checkpoint yet: %d events unsealed\n", res.Unsealed)
				return nil
			}
			fmt.Fprintf(out, "ok: %d checkpoints from seq %d seal %d events; %d events after the last are not sealed yet\n",
				res.Checkpoints, res.From, res.Sealed, res.Unsealed)
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "jetplane-data", "data directory (its NATS trust and seal.pub)")
	cmd.Flags().StringVar(&url, "nats", "nats://127.0.0.1:4222", "NATS server URL")
	cmd.Flags().StringVar(&credsFile, "credentials", "", "NATS credentials to read with (default: a read-only identity from --data)")
	cmd.Flags().StringVar(&keyFile, "key", "", "the trusted seal public key (default <data>/pki/seal.pub)")
	cmd.Flags().StringVar(&prefix, "stream-prefix", "", "prefix of the JetStream stream names")
	cmd.Flags().Uint64Var(&from, "from", 0, "first sequence to read (default: the stream's first)")
	cmd.Flags().StringVar(&caFile, "nats-ca", "", "CA certificate (PEM) of a NATS server that serves TLS")
	return cmd
}
