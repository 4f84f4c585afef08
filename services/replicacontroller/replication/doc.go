// Package replication is the pure ReplicationController decision. A
// ReplicationController is a ReplicaSet with an equality selector, so it is
// decided as one, the way Kubernetes' own controller adapts it: converted to
// a ReplicaSet, handed to rollout.DecideReplicaSet with its own kind for the
// pods' controller reference, and the status change converted back.
package replication
