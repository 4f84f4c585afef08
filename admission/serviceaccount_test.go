package admission

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestServiceAccount(t *testing.T) {
	lookup := func(ns, name string) *corev1.ServiceAccount {
		if ns+"/"+name == "dev/builder" {
			return &corev1.ServiceAccount{}
		}
		return nil
	}
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
			err := ServiceAccount(pod, lookup, "abcde")
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

func TestMountToken(t *testing.T) {
	no, yes := false, true
	optedOut := &corev1.ServiceAccount{AutomountServiceAccountToken: &no}
	own := corev1.VolumeMount{Name: "mine", MountPath: TokenMountPath}
	for _, c := range []struct {
		name       string
		pod        corev1.PodSpec
		sa         *corev1.ServiceAccount
		wantVolume string // "": none added
		wantMounts []int  // per container (init containers first): mounts of the volume
	}{
		{name: "every container, init ones too", sa: &corev1.ServiceAccount{},
			pod:        corev1.PodSpec{InitContainers: []corev1.Container{{Name: "i"}}, Containers: []corev1.Container{{Name: "a"}, {Name: "b"}}},
			wantVolume: "kube-api-access-abcde", wantMounts: []int{1, 1, 1}},
		{name: "an absent default account mounts too", pod: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}},
			wantVolume: "kube-api-access-abcde", wantMounts: []int{1}},
		{name: "the pod opts out", sa: &corev1.ServiceAccount{},
			pod: corev1.PodSpec{AutomountServiceAccountToken: &no, Containers: []corev1.Container{{Name: "a"}}}, wantMounts: []int{0}},
		{name: "the account opts out", sa: optedOut, pod: corev1.PodSpec{Containers: []corev1.Container{{Name: "a"}}}, wantMounts: []int{0}},
		{name: "the pod overrides its account", sa: optedOut,
			pod:        corev1.PodSpec{AutomountServiceAccountToken: &yes, Containers: []corev1.Container{{Name: "a"}}},
			wantVolume: "kube-api-access-abcde", wantMounts: []int{1}},
		{name: "a container with its own mount there keeps it", sa: &corev1.ServiceAccount{},
			pod: corev1.PodSpec{Containers: []corev1.Container{{Name: "a", VolumeMounts: []corev1.VolumeMount{own}}}}, wantMounts: []int{0}},
		{name: "an existing access volume is reused", sa: &corev1.ServiceAccount{},
			pod:        corev1.PodSpec{Volumes: []corev1.Volume{{Name: "kube-api-access-xyz12"}}, Containers: []corev1.Container{{Name: "a"}}},
			wantMounts: []int{1}},
	} {
		t.Run(c.name, func(t *testing.T) {
			pod := &corev1.Pod{Spec: c.pod}
			before := len(pod.Spec.Volumes)
			MountToken(pod, c.sa, "abcde")
			added := pod.Spec.Volumes[before:]
			if c.wantVolume == "" && len(added) != 0 || c.wantVolume != "" && (len(added) != 1 || added[0].Name != c.wantVolume) {
				t.Fatalf("volumes added %+v, want %q", added, c.wantVolume)
			}
			if c.wantVolume != "" {
				p := added[0].Projected
				if p == nil || len(p.Sources) != 3 || p.Sources[0].ServiceAccountToken == nil || *p.Sources[0].ServiceAccountToken.ExpirationSeconds != 3607 ||
					p.Sources[1].ConfigMap.Name != RootCAConfigMap || p.Sources[2].DownwardAPI.Items[0].FieldRef.FieldPath != "metadata.namespace" {
					t.Fatalf("volume %+v", added[0])
				}
			}
			volume := c.wantVolume
			if len(pod.Spec.Volumes) > 0 && volume == "" {
				volume = pod.Spec.Volumes[0].Name
			}
			for i, ct := range append(pod.Spec.InitContainers, pod.Spec.Containers...) {
				n := 0
				for _, m := range ct.VolumeMounts {
					if m.Name == volume && m.MountPath == TokenMountPath && m.ReadOnly {
						n++
					}
				}
				if n != c.wantMounts[i] {
					t.Errorf("container %s mounts it %d times, want %d (%+v)", ct.Name, n, c.wantMounts[i], ct.VolumeMounts)
				}
			}
		})
	}
}
