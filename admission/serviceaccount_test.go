package admission

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestServiceAccount(t *testing.T) {
	accounts := map[string]bool{"dev/builder": true}
	exists := func(ns, name string) bool { return accounts[ns+"/"+name] }
	cases := []struct {
		name, sa, deprecated, want, err string
	}{
		{name: "empty becomes default", want: "default"},
		{name: "default need not exist yet", sa: "default", want: "default"},
		{name: "an existing account", sa: "builder", want: "builder"},
		{name: "the deprecated field alone", deprecated: "builder", want: "builder"},
		{name: "a missing account", sa: "ghost", want: "ghost",
			err: `error looking up service account dev/ghost: serviceaccount "ghost" not found`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "dev"},
				Spec: corev1.PodSpec{ServiceAccountName: c.sa, DeprecatedServiceAccount: c.deprecated}}
			err := ServiceAccount(pod, exists)
			if c.err == "" && err != nil || c.err != "" && (err == nil || err.Error() != c.err) {
				t.Fatalf("err = %v, want %q", err, c.err)
			}
			if err != nil && !errors.Is(err, ErrServiceAccount) {
				t.Fatalf("%v is not ErrServiceAccount", err)
			}
			if pod.Spec.ServiceAccountName != c.want || pod.Spec.DeprecatedServiceAccount != c.want {
				t.Fatalf("serviceAccountName %q / serviceAccount %q, want %q",
					pod.Spec.ServiceAccountName, pod.Spec.DeprecatedServiceAccount, c.want)
			}
		})
	}
}
