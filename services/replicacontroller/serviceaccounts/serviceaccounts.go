// Package serviceaccounts is the decision of Kubernetes' ServiceAccount
// controller: every active namespace has the ServiceAccounts every
// namespace gets (default), re-created when deleted. Pure: plain objects
// in, the ServiceAccounts to create out.
package serviceaccounts

import (
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Default is the ServiceAccount every namespace has: pods without
// spec.serviceAccountName run as it.
const Default = "default"

// Ensured are the ServiceAccounts the controller keeps in every namespace
// (kube-controller-manager's default list).
var Ensured = []string{Default}

// Missing returns the ServiceAccounts to create in ns, given the names of
// those that exist there. A namespace that is gone or terminating gets
// none: its contents are being deleted, and a new object would hold the
// deletion back.
func Missing(ns *corev1.Namespace, existing func(name string) bool) []*corev1.ServiceAccount {
	if ns == nil || ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating {
		return nil
	}
	var out []*corev1.ServiceAccount
	for _, name := range Ensured {
		if !existing(name) {
			out = append(out, &corev1.ServiceAccount{ObjectMeta: metav1.ObjectMeta{Name: name, Namespace: ns.Name}})
		}
	}
	return out
}
