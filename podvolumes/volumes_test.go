package podvolumes

import (
	"errors"
	"fmt"
	"reflect"
	"testing"

	"github.com/jetplane/jetplane/podenv"
	corev1 "k8s.io/api/core/v1"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestDesired(t *testing.T) {
	yes := true
	m := func(v int32) *int32 { return &v }
	lk := Lookups{Sources: podenv.Sources{
		ConfigMap: func(n string) (*corev1.ConfigMap, error) {
			if n == "cfg" {
				return &corev1.ConfigMap{Data: map[string]string{"a": "1", "b": "2"}, BinaryData: map[string][]byte{"bin": {0, 1}}}, nil
			}
			return nil, podenv.ErrNotFound
		},
		Secret: func(n string) (map[string][]byte, error) {
			if n == "sec" {
				return map[string][]byte{"pw": []byte("x")}, nil
			}
			return nil, podenv.ErrNotFound
		},
	},
		Token: func(aud string, exp int64) (string, error) {
			if aud == "refused" {
				return "", errors.New("no")
			}
			return fmt.Sprintf("tok(%s,%d)", aud, exp), nil
		}}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "p", Namespace: "ns", Labels: map[string]string{"k": "v"}}}
	cmRef := func(n string) corev1.LocalObjectReference { return corev1.LocalObjectReference{Name: n} }
	for _, tt := range []struct {
		name    string
		v       corev1.VolumeSource
		want    map[string]File
		wantErr string
	}{
		{"every key, default mode", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: cmRef("cfg")}},
			map[string]File{"a": {[]byte("1"), 0o644}, "b": {[]byte("2"), 0o644}, "bin": {[]byte{0, 1}, 0o644}}, ""},
		{"items with a mode and a nested path", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: cmRef("cfg"),
			DefaultMode: m(0o440), Items: []corev1.KeyToPath{{Key: "a", Path: "x/y"}, {Key: "b", Path: "../../b", Mode: m(0o600)}}}},
			map[string]File{"x/y": {[]byte("1"), 0o440}, "b": {[]byte("2"), 0o600}}, ""},
		{"an optional missing ConfigMap is an empty volume", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: cmRef("nope"), Optional: &yes}},
			map[string]File{}, ""},
		{"a missing ConfigMap", corev1.VolumeSource{ConfigMap: &corev1.ConfigMapVolumeSource{LocalObjectReference: cmRef("nope")}},
			nil, `MountVolume.SetUp failed for volume "v" : configmap "nope" not found`},
		{"a missing item", corev1.VolumeSource{Secret: &corev1.SecretVolumeSource{SecretName: "sec", Items: []corev1.KeyToPath{{Key: "no", Path: "no"}}}},
			nil, `MountVolume.SetUp failed for volume "v" : configuration for secret "sec" has no key "no"`},
		{"downward API", corev1.VolumeSource{DownwardAPI: &corev1.DownwardAPIVolumeSource{Items: []corev1.DownwardAPIVolumeFile{
			{Path: "labels", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.labels"}}}}},
			map[string]File{"labels": {[]byte(`k="v"`), 0o644}}, ""},
		{"projected", corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{DefaultMode: m(0o400), Sources: []corev1.VolumeProjection{
			{Secret: &corev1.SecretProjection{LocalObjectReference: cmRef("sec")}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: cmRef("cfg"), Items: []corev1.KeyToPath{{Key: "a", Path: "a"}}}}}}},
			map[string]File{"pw": {[]byte("x"), 0o400}, "a": {[]byte("1"), 0o400}}, ""},
		{"kube-api-access: token, CA and namespace", corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{DefaultMode: m(0o644), Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", ExpirationSeconds: ptr(int64(3607))}},
			{ConfigMap: &corev1.ConfigMapProjection{LocalObjectReference: cmRef("cfg"), Items: []corev1.KeyToPath{{Key: "a", Path: "ca.crt"}}}},
			{DownwardAPI: &corev1.DownwardAPIProjection{Items: []corev1.DownwardAPIVolumeFile{{Path: "namespace", FieldRef: &corev1.ObjectFieldSelector{FieldPath: "metadata.namespace"}}}}}}}},
			map[string]File{"token": {[]byte("tok(,3607)"), 0o644}, "ca.crt": {[]byte("1"), 0o644}, "namespace": {[]byte("ns"), 0o644}}, ""},
		{"a token for an audience, default lifetime", corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "vault/token", Audience: "vault"}}}}},
			map[string]File{"vault/token": {[]byte("tok(vault,3600)"), 0o644}}, ""},
		{"a token the node cannot get waits", corev1.VolumeSource{Projected: &corev1.ProjectedVolumeSource{Sources: []corev1.VolumeProjection{
			{ServiceAccountToken: &corev1.ServiceAccountTokenProjection{Path: "token", Audience: "refused"}}}}},
			nil, `MountVolume.SetUp failed for volume "v" : failed to fetch token: no`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Desired(pod, corev1.Volume{Name: "v", VolumeSource: tt.v}, lk)
			if tt.wantErr != "" {
				var ce *podenv.ConfigError
				if !errors.As(err, &ce) || ce.Message != tt.wantErr || ce.Reason != ContainerCreating {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || c.Kind != Files || !reflect.DeepEqual(c.Files, tt.want) {
				t.Fatalf("got %+v %v, want %v", c.Files, err, tt.want)
			}
		})
	}
	c, err := Desired(pod, corev1.Volume{Name: "e", VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}}}, lk)
	if err != nil || c.Kind != EmptyDir || !c.Memory {
		t.Fatalf("emptyDir: %+v %v", c, err)
	}
	if _, err := Desired(pod, corev1.Volume{Name: "n", VolumeSource: corev1.VolumeSource{NFS: &corev1.NFSVolumeSource{}}}, lk); !errors.Is(err, ErrUnsupported) {
		t.Fatalf("nfs: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }
