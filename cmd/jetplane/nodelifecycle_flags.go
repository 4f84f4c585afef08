package main

import (
	"github.com/jetplane/jetplane/services/replicacontroller"
	"github.com/jetplane/jetplane/services/replicacontroller/nodelifecycle"
	"github.com/spf13/cobra"
)

// nodeLifecycleFlags registers the node lifecycle's durations, named as
// kube-controller-manager names them.
func nodeLifecycleFlags(cmd *cobra.Command, c *replicacontroller.NodeLifecycleConfig) {
	cmd.Flags().DurationVar(&c.GracePeriod, "node-monitor-grace-period", nodelifecycle.DefaultGracePeriod,
		"how long a node may go without a heartbeat before it is marked Unknown and tainted unreachable")
	cmd.Flags().DurationVar(&c.EvictionTimeout, "pod-eviction-timeout", nodelifecycle.DefaultEvictionTimeout,
		"how long pods without a toleration of their own stay on an unreachable or not-ready node before they are evicted")
}
