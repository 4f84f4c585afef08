package rootca

import (
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDecide(t *testing.T) {
	bundle := []byte("-----BEGIN CERTIFICATE-----\nx\n-----END CERTIFICATE-----\n")
	ns := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dev"}}
	now := metav1.Now()
	current := Decide(ns, bundle, nil)
	for _, c := range []struct {
		name     string
		ns       *corev1.Namespace
		bundle   []byte
		existing *corev1.ConfigMap
		write    bool
	}{
		{"a new namespace gets one", ns, bundle, nil, true},
		{"an up-to-date one is left alone", ns, bundle, current, false},
		{"a new bundle is written", ns, []byte("other"), current, true},
		{"an edited one is put back", ns, bundle, &corev1.ConfigMap{ObjectMeta: current.ObjectMeta, Data: map[string]string{Key: "x", "extra": "y"}}, true},
		{"a lost annotation is put back", ns, bundle, &corev1.ConfigMap{ObjectMeta: metav1.ObjectMeta{Name: Name, Namespace: "dev"}, Data: current.Data}, true},
		{"a terminating namespace gets none", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dev", DeletionTimestamp: &now}}, bundle, nil, false},
		{"a gone namespace gets none", nil, bundle, nil, false},
		{"no bundle, nothing to publish", ns, nil, nil, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := Decide(c.ns, c.bundle, c.existing)
			if (got != nil) != c.write {
				t.Fatalf("write %v, want %v", got != nil, c.write)
			}
			if got == nil {
				return
			}
			if got.Name != Name || got.Namespace != "dev" || got.Data[Key] != string(c.bundle) || len(got.Data) != 1 ||
				got.Annotations[DescriptionAnnotation] != Description {
				t.Fatalf("got %+v", got)
			}
			if Decide(c.ns, c.bundle, got) != nil {
				t.Fatal("the written ConfigMap is not final")
			}
		})
	}
}
