// Package podvolumes decides what each volume of a pod holds on its node,
// as the kubelet's volume plugins do: the files of configMap, secret,
// downwardAPI and projected volumes (keys or items, modes, optional
// sources), and the directories of emptyDir and hostPath volumes. Pure:
// the caller supplies ConfigMaps and Secrets and writes the result (the
// node agent, atomically, so that a running container sees an update at
// once and whole).
package podvolumes
