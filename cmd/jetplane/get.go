package main

import (
	"fmt"
	"time"

	"github.com/jetplane/jetplane/client"
	"github.com/spf13/cobra"
)

func getCommand() *cobra.Command {
	var f clientFlags
	var o client.GetOptions
	var at string
	cmd := &cobra.Command{
		Use:   "get TYPE [NAME] [--at TIME | --revision N] [-o yaml|json]",
		Short: "List objects as kubectl get does, now or as the cluster stood at a past time or revision",
		Example: `  jetplane get pods --at 2026-11-22T10:00:00Z
  jetplane get deploy --revision 1234
  jetplane get secret s --revision 1234 -o yaml`,
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			if at != "" {
				t, err := time.Parse(time.RFC3339Nano, at)
				if err != nil {
					return fmt.Errorf("--at %q: want an RFC 3339 time: %w", at, err)
				}
				o.At = t
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			o.Type, o.Namespace = args[0], f.namespace
			if len(args) == 2 {
				o.Name = args[1]
			}
			return c.Get(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&at, "at", "", "show the cluster as it stood at this time (RFC 3339)")
	cmd.Flags().Uint64Var(&o.Revision, "revision", 0, "show the cluster as it stood right after this resourceVersion")
	cmd.Flags().BoolVarP(&o.AllNamespaces, "all-namespaces", "A", false, "every namespace")
	cmd.Flags().StringVarP(&o.Selector, "selector", "l", "", "label selector")
	cmd.Flags().StringVarP(&o.Output, "output", "o", "", "yaml or json: the objects themselves rather than the table")
	return cmd
}
