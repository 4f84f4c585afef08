// Package servicelinks makes the environment variables the kubelet gives
// every container about Services: <NAME>_SERVICE_HOST, _SERVICE_PORT,
// _SERVICE_PORT_<PORTNAME> and the Docker-link _PORT_* set, for each
// Service with a cluster IP in the pod's namespace (unless
// enableServiceLinks is false) and always for the `kubernetes` Service of
// the default namespace. Pure: Services in, variables out.
package servicelinks
