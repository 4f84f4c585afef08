// Package rootca is the decision of Kubernetes' root CA publisher: every
// active namespace has a kube-root-ca.crt ConfigMap holding the CA bundle
// that verifies the API's serving certificate, which pods read from their
// kube-api-access volume. Pure: plain objects in, the ConfigMap to write
// out.
package rootca
