package main

import (
	"fmt"
	"path/filepath"

	"github.com/jetplane/jetplane/allinone"
	"github.com/jetplane/jetplane/events/natslog"
	"github.com/spf13/cobra"
)

// credentialsCommand mints NATS credentials for one identity, signed by the
// data directory's account key: a new node agent, auditor, proxy or
// control-plane service joins without any change to the servers.
func credentialsCommand() *cobra.Command {
	var dataDir, out, prefix string
	cmd := &cobra.Command{
		Use:   "credentials ROLE NAME",
		Short: "Mint NATS credentials: node NAME, auditor NAME, proxy NODE, controlplane SERVICE, or operator",
		Example: `  jetplane credentials node worker-2 -o worker-2.creds
  jetplane credentials auditor alice`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			id := natslog.Identity{Role: natslog.Role(args[0])}
			if len(args) == 2 {
				id.Name = args[1]
			}
			trust, err := natslog.LoadTrust(allinone.TrustDir(dataDir), true)
			if err != nil {
				return err
			}
			creds, err := trust.Mint(id, natslog.Config{Prefix: prefix})
			if err != nil {
				return err
			}
			if out == "" {
				out = filepath.Join(dataDir, "creds", string(id.Role)+"-"+id.Name+".creds")
			}
			if err := creds.WriteFile(out); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "credentials of %s written to %s (keep them secret: 0600)\n", id, out)
			return nil
		},
	}
	cmd.Flags().StringVar(&dataDir, "data", "jetplane-data", "data directory holding the NATS trust (pki/nats)")
	cmd.Flags().StringVarP(&out, "output", "o", "", "file to write (default <data>/creds/<role>-<name>.creds)")
	cmd.Flags().StringVar(&prefix, "stream-prefix", "", "prefix of the JetStream stream and bucket names")
	return cmd
}
