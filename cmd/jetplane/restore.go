package main

import (
	"errors"

	"github.com/jetplane/jetplane/gateway/jetplaneapi"
	"github.com/spf13/cobra"
)

func restoreCommand() *cobra.Command {
	var f clientFlags
	var req jetplaneapi.RestoreRequest
	cmd := &cobra.Command{
		Use:   "restore --to-revision N | --to-time T",
		Short: "Bring every object back to its state at a past revision, with compensating events (history stays; the restore can be undone)",
		Example: `  jetplane restore --to-revision 1234 --dry-run
  jetplane restore --to-time 2026-11-22T10:00:00Z --namespace shop`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			if (req.ToRevision == 0) == (req.ToTime == "") {
				return errors.New("give one of --to-revision and --to-time")
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			req.Namespace = f.namespace
			_, err = c.Restore(cmd.Context(), req, cmd.OutOrStdout())
			return err
		},
	}
	cmd.Flags().StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG or ~/.kube/config)")
	cmd.Flags().StringVarP(&f.namespace, "namespace", "n", "", "restore only this namespace (default: every namespace)")
	cmd.Flags().Uint64Var(&req.ToRevision, "to-revision", 0, "the resourceVersion to restore")
	cmd.Flags().StringVar(&req.ToTime, "to-time", "", "the time to restore (RFC 3339), instead of --to-revision")
	cmd.Flags().BoolVar(&req.DryRun, "dry-run", false, "show what would change, change nothing")
	return cmd
}
