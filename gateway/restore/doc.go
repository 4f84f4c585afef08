// Package restore decides a point-in-time restore: given the cluster as it
// stood at a past revision and as it stands now, it lists the compensating
// changes (create, update, delete) that bring every object back to its past
// state, without touching history. It is pure: plain objects in, changes out.
//
// What it restores is what users own. Objects a controller owns (pods of a
// ReplicaSet, ReplicaSets of a Deployment), Endpoints (derived from
// Services) and Nodes (registered by agents) are left to the services that
// manage them: restoring a Deployment's spec makes its controller converge,
// as in Kubernetes.
package restore
