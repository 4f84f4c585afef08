// Package replicacontroller is the shell of the replica controller: one
// projection of the log marks Deployments, ReplicaSets and owned objects
// dirty in a work queue; workers hand the latest state to the pure decisions
// in rollout/ and gc/ and append the changes they return with CAS, through
// controller.Writer. It only does I/O; every rule lives in the pure packages.
package replicacontroller
