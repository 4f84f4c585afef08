package main

import (
	"fmt"
	"time"

	"github.com/jetplane/jetplane/client"
	"github.com/spf13/cobra"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// logsCommand is kubectl logs for pods that may be gone: kubectl first GETs
// the pod, so it cannot show a deleted pod's output; the gateway's pods/log
// serves it from the LOGS stream all the same.
func logsCommand() *cobra.Command {
	var f clientFlags
	var o client.LogsOptions
	var tail, limitBytes int64
	var since time.Duration
	var sinceTime string
	cmd := &cobra.Command{
		Use:   "logs POD [-c CONTAINER]",
		Short: "Print a container's output from the LOGS stream, also of pods that no longer exist",
		Example: `  jetplane logs hello-7d9c5-x2x4q
  jetplane logs hello-7d9c5-x2x4q -c hello --tail 20 -f
  jetplane logs hello-7d9c5-x2x4q --previous`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if tail >= 0 {
				o.TailLines = &tail
			}
			if limitBytes > 0 {
				o.LimitBytes = &limitBytes
			}
			if since > 0 {
				secs := int64((since + time.Second - 1) / time.Second) // kubectl rounds up
				o.SinceSeconds = &secs
			}
			if sinceTime != "" {
				t, err := time.Parse(time.RFC3339, sinceTime)
				if err != nil {
					return fmt.Errorf("--since-time %q: want an RFC 3339 time: %w", sinceTime, err)
				}
				o.SinceTime = &metav1.Time{Time: t}
			}
			if since > 0 && sinceTime != "" {
				return fmt.Errorf("at most one of --since and --since-time may be given")
			}
			c, err := f.client()
			if err != nil {
				return err
			}
			o.Pod, o.Namespace = args[0], f.namespace
			return c.Logs(cmd.Context(), o, cmd.OutOrStdout())
		},
	}
	f.register(cmd)
	fl := cmd.Flags()
	fl.StringVarP(&o.Container, "container", "c", "", "the container (required when the pod has several)")
	fl.BoolVarP(&o.Follow, "follow", "f", false, "stream the output until the container's run ends")
	fl.BoolVarP(&o.Previous, "previous", "p", false, "the previous run of the container, which ended")
	fl.BoolVar(&o.Timestamps, "timestamps", false, "prefix each line with its RFC 3339 time")
	fl.Int64Var(&tail, "tail", -1, "only the last N lines (-1: all)")
	fl.Int64Var(&limitBytes, "limit-bytes", 0, "at most this many bytes (0: no limit)")
	fl.DurationVar(&since, "since", 0, "only lines newer than this, e.g. 5s, 2m, 3h")
	fl.StringVar(&sinceTime, "since-time", "", "only lines at or after this RFC 3339 time")
	return cmd
}
