// Package podenv computes a container's environment as the kubelet does:
// envFrom (ConfigMaps and Secrets, with prefixes), then env (values with
// $(VAR) references expanded, configMapKeyRef, secretKeyRef, the downward
// API's fieldRef and resourceFieldRef), optional references, and the
// kubelet's errors for what is missing (the container then waits in
// CreateContainerConfigError). Pure: the caller supplies the objects.
package podenv
