// Package quota decides what kube-apiserver's LimitRanger and ResourceQuota
// admission plugins decide, with their messages, and does no I/O: the
// gateway hands it the objects of a namespace from its projection.
//
// LimitRange (limitrange.go): Default fills a pod's containers' missing
// limits and requests from the namespace's Container ranges; Check refuses a
// pod outside a range's min, max or maxLimitRequestRatio ("minimum cpu usage
// per Container is 100m, but request is 50m").
//
// ResourceQuota (usage.go, admit.go): Usage is what one object charges
// (count/pods, pods, requests.cpu, limits.memory, services, count/<resource>
// [.<group>] ...); Used sums it over a namespace's objects for the names a
// quota's hard list tracks; Admit refuses an object that does not fit
// ("exceeded quota: compute, requested: pods=1, used: pods=2, limited:
// pods=2") or that leaves a tracked compute resource unspecified ("must
// specify limits.cpu for: c"). Pods that have Succeeded or Failed charge
// nothing, as in Kubernetes.
//
// The package decides for one object against one state; serialising two
// admissions (kube-apiserver's CAS on the quota's status) is the gateway's:
// it appends a status change of each charged quota with the object in one
// atomic batch (see ARCHITECTURE.md). Scopes
// Terminating, NotTerminating, BestEffort and NotBestEffort are matched;
// a quota with any other scope (PriorityClass, CrossNamespacePodAffinity)
// matches no object.
package quota
