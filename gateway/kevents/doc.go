// Package kevents derives Kubernetes Events (core/v1 Event: Scheduled,
// Started, Killing, SuccessfulCreate, ScalingReplicaSet, FailedScheduling,
// BackOff...) from the log, so that `kubectl describe` and `kubectl get
// events` show what happened to an object. Nothing writes them: they are a
// view of the log, and unlike Kubernetes' they never expire while the log
// keeps its history. It is pure: log events in, Events out.
package kevents
