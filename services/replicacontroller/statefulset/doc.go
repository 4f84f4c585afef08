// Package statefulset is the pure StatefulSet decision, as Kubernetes'
// StatefulSet controller makes it: pods with stable names <set>-<ordinal>,
// hostnames and the set's Service as subdomain (stable DNS through a
// headless Service), a PersistentVolumeClaim per volumeClaimTemplate and
// pod made before the pod (<template>-<pod>) and kept by default
// (persistentVolumeClaimRetentionPolicy says when they go); OrderedReady
// creates in order once every lower pod is Running and Ready and deletes in
// reverse one at a time, Parallel acts on all at once; RollingUpdate
// replaces, from the highest ordinal down to the partition, one pod at a
// time once the others are ready; OnDelete waits for the user. Plain
// objects and an injected clock in, the changes out; no I/O.
package statefulset
