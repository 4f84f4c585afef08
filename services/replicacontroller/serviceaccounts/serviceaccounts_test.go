package serviceaccounts

import (
	"slices"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestMissing(t *testing.T) {
	now := metav1.Now()
	active := &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dev"}, Status: corev1.NamespaceStatus{Phase: corev1.NamespaceActive}}
	tests := []struct {
		name     string
		ns       *corev1.Namespace
		existing []string
		want     []string
	}{
		{"new namespace", active, nil, []string{"default"}},
		{"namespace without a phase yet", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dev"}}, nil, []string{"default"}},
		{"default exists", active, []string{"default"}, nil},
		{"only others exist", active, []string{"bot"}, []string{"default"}},
		{"namespace gone", nil, nil, nil},
		{"namespace being deleted", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dev", DeletionTimestamp: &now}}, nil, nil},
		{"namespace terminating", &corev1.Namespace{ObjectMeta: metav1.ObjectMeta{Name: "dev"},
			Status: corev1.NamespaceStatus{Phase: corev1.NamespaceTerminating}}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Missing(tt.ns, func(name string) bool { return slices.Contains(tt.existing, name) })
			var names []string
			for _, sa := range got {
				if sa.Namespace != "dev" {
					t.Errorf("%s in namespace %q", sa.Name, sa.Namespace)
				}
				names = append(names, sa.Name)
			}
			if !slices.Equal(names, tt.want) {
				t.Errorf("missing %v, want %v", names, tt.want)
			}
		})
	}
}
