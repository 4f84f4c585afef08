package main

import (
	"fmt"
	"time"

	"github.com/jetplane/jetplane/allinone"
	"github.com/spf13/cobra"
)

// userCommand mints users of the cluster: a client certificate signed by
// the cluster CA of a `jetplane up` data directory, in a kubeconfig of its
// own. Who the user is comes from the certificate (CN the name, O the
// groups); what they may do, from RBAC bindings an administrator makes.
func userCommand() *cobra.Command {
	cmd := &cobra.Command{Use: "user", Short: "Manage users of a jetplane up cluster"}
	var groups []string
	var data, out string
	var lifetime time.Duration
	add := &cobra.Command{
		Use:   "add NAME",
		Short: "Write a kubeconfig for a new user, with a client certificate signed by the cluster CA",
		Example: `  jetplane user add bob --group dev --out bob.kubeconfig
  kubectl --kubeconfig jetplane-data/kubeconfig create rolebinding bob-edit --clusterrole=edit --user=bob -n dev
  kubectl --kubeconfig bob.kubeconfig -n dev get pods`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				out = args[0] + ".kubeconfig"
			}
			err := allinone.AddUser(data, args[0], groups, lifetime, out)
			if err == nil {
				fmt.Fprintf(cmd.OutOrStdout(), "user %s (groups %v): %s\n", args[0], groups, out)
			}
			return err
		},
	}
	add.Flags().StringArrayVar(&groups, "group", nil, "a group of the user (repeatable)")
	add.Flags().StringVar(&data, "data", "jetplane-data", "data directory of jetplane up (its pki signs the certificate)")
	add.Flags().StringVar(&out, "out", "", "where to write the kubeconfig (default NAME.kubeconfig)")
	add.Flags().DurationVar(&lifetime, "lifetime", 365*24*time.Hour, "how long the certificate is valid")
	cmd.AddCommand(add)
	return cmd
}
