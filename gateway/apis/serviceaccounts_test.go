package apis

import (
	"reflect"
	"testing"

	"github.com/jetplane/jetplane/events"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func serviceAccount(mutate func(*corev1.ServiceAccount)) *corev1.ServiceAccount {
	sa := defaulted("serviceaccounts", &corev1.ServiceAccount{ObjectMeta: meta("bot", "dev")})
	mutate(sa)
	return sa
}

// A ServiceAccount is validated as kube-apiserver does: its metadata only,
// the name a DNS subdomain, in a namespace.
func TestValidateServiceAccount(t *testing.T) {
	tests := []struct {
		name string
		sa   *corev1.ServiceAccount
		old  *corev1.ServiceAccount
		want []want
	}{
		{"good", serviceAccount(func(*corev1.ServiceAccount) {}), nil, nil},
		{"with secrets", serviceAccount(func(s *corev1.ServiceAccount) {
			s.Secrets = []corev1.ObjectReference{{Name: "bot-token"}}
			s.ImagePullSecrets = []corev1.LocalObjectReference{{Name: "registry"}}
		}), nil, nil},
		{"bad name", serviceAccount(func(s *corev1.ServiceAccount) { s.Name = "Bot_1" }), nil,
			[]want{{invalid, "metadata.name"}}},
		{"no namespace", serviceAccount(func(s *corev1.ServiceAccount) { s.Namespace = "" }), nil,
			[]want{{required, "metadata.namespace"}}},
		{"renamed", serviceAccount(func(s *corev1.ServiceAccount) { s.Name = "other" }),
			serviceAccount(func(*corev1.ServiceAccount) {}), []want{{invalid, "metadata.name"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var old events.Object
			if tt.old != nil {
				old = tt.old // a typed nil would not be a nil interface
			}
			assertErrors(t, Validate(res("serviceaccounts"), tt.sa, old), tt.want)
		})
	}
}

func TestServiceAccountTable(t *testing.T) {
	sa := serviceAccount(func(s *corev1.ServiceAccount) { s.Secrets = []corev1.ObjectReference{{Name: "bot-token"}} })
	tbl, err := Table(res("serviceaccounts"), []events.Object{sa}, metav1.IncludeMetadata, now)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, c := range tbl.ColumnDefinitions {
		names = append(names, c.Name)
	}
	if !reflect.DeepEqual(names, []string{"Name", "Secrets", "Age"}) {
		t.Errorf("columns %v", names)
	}
	if got, want := tbl.Rows[0].Cells, []interface{}{"bot", int64(1), "5m"}; !reflect.DeepEqual(got, want) {
		t.Errorf("cells %#v, want %#v", got, want)
	}
}
