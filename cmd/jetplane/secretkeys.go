package main

import (
	"context"
	"errors"
	"fmt"

	"github.com/jetplane/jetplane/events/natslog"
	"github.com/jetplane/jetplane/gateway"
	"github.com/spf13/cobra"
)

// rotateSecretKeysCommand adds a cluster key and re-wraps every Secret's
// data key under it; the log is untouched (its sealed data keeps its data
// keys). Gateways load the new key at their next start; until then they
// still unwrap with the older keys, which stay in the directory.
func rotateSecretKeysCommand() *cobra.Command {
	var dir string
	return serviceCommand("rotate-secret-keys", "Add a cluster key for Secrets and re-wrap every Secret's data key under it",
		func(c *cobra.Command) {
			c.Flags().StringVar(&dir, "secret-keys", "", "the gateways' --secret-keys directory (jetplane up: <data>/pki/secrets)")
		}, func(ctx context.Context, l *natslog.Log, _ string) error {
			if dir == "" {
				return errors.New("--secret-keys is required")
			}
			kr, err := gateway.RotateSecretKeyring(dir)
			if err != nil {
				return err
			}
			n, err := gateway.RewrapSecretKeys(ctx, l.SecretKeys(), kr)
			if err != nil {
				return fmt.Errorf("re-wrap under key %d: %w", kr.Current, err)
			}
			fmt.Printf("cluster key %d added; %d data keys re-wrapped under it\n", kr.Current, n)
			return nil
		})
}
