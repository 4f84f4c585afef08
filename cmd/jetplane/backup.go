package main

import (
	"context"
	"fmt"
	"os"

	"github.com/jetplane/jetplane/events/natslog"
	"github.com/spf13/cobra"
)

// backupCommand writes a consistent snapshot of the log and its buckets,
// online.
func backupCommand() *cobra.Command {
	var f connFlags
	cmd := &cobra.Command{
		Use:     "backup FILE",
		Short:   "Write a snapshot of the event log, container logs, allocations and Secret keys (online; the operator's credentials)",
		Example: "  jetplane backup jetplane.backup --nats tls://127.0.0.1:4301 --nats-ca bin/cluster/pki/ca.crt --credentials bin/cluster/creds/operator.creds",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withLog(cmd.Context(), &f, "jetplane-backup", func(ctx context.Context, l *natslog.Log) error {
				out, err := os.OpenFile(args[0], os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600) // it holds the Secrets' wrapped keys
				if err != nil {
					return err
				}
				st, err := l.Backup(ctx, out)
				if cerr := out.Close(); err == nil {
					err = cerr
				}
				if err != nil {
					os.Remove(args[0])
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "backed up %d streams (%d messages, %d bytes); the event log up to resourceVersion %d\n",
					st.Streams, st.Messages, st.Bytes, st.LastSeq)
				return nil
			})
		},
	}
	f.register(cmd)
	return cmd
}

// restoreClusterCommand restores a backup into an empty cluster.
func restoreClusterCommand() *cobra.Command {
	var f connFlags
	cmd := &cobra.Command{
		Use:   "restore-cluster FILE",
		Short: "Restore a backup into an empty cluster (its NATS up, its services not yet started; the operator's credentials)",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			return withLog(cmd.Context(), &f, "jetplane-restore", func(ctx context.Context, l *natslog.Log) error {
				in, err := os.Open(args[0])
				if err != nil {
					return err
				}
				defer in.Close()
				st, err := l.Restore(ctx, in)
				if err != nil {
					return err
				}
				fmt.Fprintf(cmd.OutOrStdout(), "restored %d streams (%d messages); the event log ends at resourceVersion %d: start the services\n",
					st.Streams, st.Messages, st.LastSeq)
				return nil
			})
		},
	}
	f.register(cmd)
	return cmd
}

// withLog opens the log with the connection flags for one client verb.
func withLog(ctx context.Context, f *connFlags, name string, run func(context.Context, *natslog.Log) error) error {
	l, err := f.open(ctx, name)
	if err != nil {
		return err
	}
	defer l.Close()
	return run(ctx, l)
}
