// Package replicacontroller is the shell of the replica controller: one
// projection of the log marks the workloads (Deployments, ReplicaSets,
// ReplicationControllers, DaemonSets, Jobs, CronJobs, from one table of
// kinds) and owned objects dirty in a work queue; workers hand the latest
// state to the pure decisions (rollout/, replication/, daemon/, job/,
// cronjob/, gc/, nodelifecycle/) and append the changes they return with
// CAS, through controller.Writer. It only does I/O; every rule lives in the
// pure packages.
package replicacontroller
