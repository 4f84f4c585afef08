package main

import (
	"github.com/jetplane/jetplane/client"
	"github.com/spf13/cobra"
)

// clientFlags are the flags of every client verb.
type clientFlags struct {
	kubeconfig string
	namespace  string
}

func (f *clientFlags) register(c *cobra.Command) {
	c.Flags().StringVar(&f.kubeconfig, "kubeconfig", "", "kubeconfig file (default $KUBECONFIG or ~/.kube/config)")
	c.Flags().StringVarP(&f.namespace, "namespace", "n", "", "namespace (default: the kubeconfig context's)")
}

func (f *clientFlags) client() (*client.Client, error) {
	path := f.kubeconfig
	if path == "" {
		path = client.DefaultKubeconfig()
	}
	return client.FromKubeconfig(path)
}

func historyCommand() *cobra.Command {
	var f clientFlags
	var diff string
	var all bool
	cmd := &cobra.Command{
		Use: "history TYPE/NAME",
		Short: "List the changes of an object from the event log: revision, time, actor, field manager, change, " +
			"a summary of what changed; --all adds status writes, --diff A,B shows what changed",
		Example: `  jetplane history deploy/web
  jetplane history deploy/web --all
  jetplane history deploy/web --diff 1,3`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := f.client()
			if err != nil {
				return err
			}
			return c.History(cmd.Context(), client.HistoryOptions{Object: args[0], Namespace: f.namespace, Diff: diff, All: all}, cmd.OutOrStdout())
		},
	}
	f.register(cmd)
	cmd.Flags().StringVar(&diff, "diff", "", "also show the diff between two revisions, A,B")
	cmd.Flags().BoolVar(&all, "all", false, "also list the writes that only moved status")
	return cmd
}
