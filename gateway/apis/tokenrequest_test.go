package apis

import (
	"testing"

	authenticationv1 "k8s.io/api/authentication/v1"
	corev1 "k8s.io/api/core/v1"
	apierrors "k8s.io/apimachinery/pkg/api/errors"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/types"
)

func seconds(s int64) *int64 { return &s }

func TestTokenRequestDefaultsAndValidation(t *testing.T) {
	tests := []struct {
		name     string
		spec     authenticationv1.TokenRequestSpec
		wantSecs int64
		wantAud  string
		want     []want
	}{
		{"empty", authenticationv1.TokenRequestSpec{}, 3600, "https://jetplane", nil},
		{"own audience and lifetime", authenticationv1.TokenRequestSpec{Audiences: []string{"vault"}, ExpirationSeconds: seconds(600)},
			600, "vault", nil},
		{"too short", authenticationv1.TokenRequestSpec{ExpirationSeconds: seconds(599)}, 599, "https://jetplane",
			[]want{{invalid, "spec.expirationSeconds"}}},
		{"too long", authenticationv1.TokenRequestSpec{ExpirationSeconds: seconds(1<<32 + 1)}, 1<<32 + 1, "https://jetplane",
			[]want{{invalid, "spec.expirationSeconds"}}},
		{"bound without a name", authenticationv1.TokenRequestSpec{BoundObjectRef: &authenticationv1.BoundObjectReference{Kind: "Pod", APIVersion: "v1"}},
			3600, "https://jetplane", []want{{required, "spec.boundObjectRef.name"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spec := tt.spec
			DefaultTokenRequest(&spec, []string{"https://jetplane"})
			if *spec.ExpirationSeconds != tt.wantSecs || len(spec.Audiences) != 1 || spec.Audiences[0] != tt.wantAud {
				t.Errorf("defaulted to %d %v", *spec.ExpirationSeconds, spec.Audiences)
			}
			assertErrors(t, ValidateTokenRequest(&spec), tt.want)
		})
	}
}

func TestBoundPod(t *testing.T) {
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web", UID: "uid-web"}, Spec: corev1.PodSpec{ServiceAccountName: "bot"}}
	ref := func(kind, uid string) *authenticationv1.BoundObjectReference {
		return &authenticationv1.BoundObjectReference{Kind: kind, APIVersion: "v1", Name: "web", UID: types.UID(uid)}
	}
	tests := []struct {
		name string
		sa   string
		ref  *authenticationv1.BoundObjectReference
		pod  *corev1.Pod
		want string // "" ok, else the reason
	}{
		{"pod of the service account", "bot", ref("Pod", "uid-web"), pod, ""},
		{"no uid asked", "bot", ref("Pod", ""), pod, ""},
		{"default service account", "default", ref("Pod", ""), &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web"}}, ""},
		{"secret", "bot", ref("Secret", ""), pod, string(metav1.StatusReasonBadRequest)},
		{"no such pod", "bot", ref("Pod", ""), nil, string(metav1.StatusReasonNotFound)},
		{"re-created pod", "bot", ref("Pod", "uid-old"), pod, string(metav1.StatusReasonConflict)},
		{"another service account's pod", "other", ref("Pod", ""), pod, string(metav1.StatusReasonBadRequest)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := BoundPod(tt.sa, tt.ref, tt.pod)
			if got := string(apierrors.ReasonForError(err)); got != tt.want || (tt.want == "") != (err == nil) {
				t.Errorf("BoundPod: %v (reason %q), want %q", err, got, tt.want)
			}
		})
	}
}
