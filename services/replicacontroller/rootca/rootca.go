package rootca

import (
	"bytes"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

// Name and key of the ConfigMap, as Kubernetes names them.
const (
	Name = "kube-root-ca.crt"
	Key  = "ca.crt"
)

// DescriptionAnnotation says what the ConfigMap is for, in Kubernetes'
// words.
const (
	DescriptionAnnotation = "kubernetes.io/description"
	Description           = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. No other usage is guaranteed across distributions of Kubernetes clusters."
)

// Decide returns the ConfigMap namespace ns must have given the one it has
// (nil: none), or nil when nothing is to be written: the namespace is gone
// or terminating, or its ConfigMap already holds bundle and only it
// (anything else there is replaced, as the publisher replaces it).
func Decide(ns *corev1.Namespace, bundle []byte, existing *corev1.ConfigMap) *corev1.ConfigMap {
	if ns == nil || ns.DeletionTimestamp != nil || ns.Status.Phase == corev1.NamespaceTerminating || len(bundle) == 0 {
		return nil
	}
	if existing != nil && len(existing.Data) == 1 && len(existing.BinaryData) == 0 &&
		bytes.Equal([]byte(existing.Data[Key]), bundle) && existing.Annotations[DescriptionAnnotation] == Description {
		return nil
	}
	cm := &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: Name, Namespace: ns.Name}}
	if existing != nil {
		cm = existing.DeepCopy()
		cm.BinaryData = nil
	}
	if cm.Annotations == nil {
		cm.Annotations = map[string]string{}
	}
	cm.Annotations[DescriptionAnnotation] = Description
	cm.Data = map[string]string{Key: string(bundle)}
	return cm
}
