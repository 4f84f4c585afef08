package podenv

import (
	"errors"
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
)

func TestEnv(t *testing.T) {
	yes := true
	cms := map[string]*corev1.ConfigMap{"app": {Data: map[string]string{"MODE": "prod", "level": "3", "bad-name!": "x"}}}
	secrets := map[string]map[string][]byte{"db": {"password": []byte("hunter2")}}
	src := Sources{
		ConfigMap: func(n string) (*corev1.ConfigMap, error) {
			if cm, ok := cms[n]; ok {
				return cm, nil
			}
			return nil, ErrNotFound
		},
		Secret: func(n string) (map[string][]byte, error) {
			if d, ok := secrets[n]; ok {
				return d, nil
			}
			return nil, ErrNotFound
		},
		PodIP: "10.0.0.7", HostIP: "192.168.1.2",
		NodeAllocatable: corev1.ResourceList{corev1.ResourceMemory: resource.MustParse("8Gi"), corev1.ResourceCPU: resource.MustParse("4")},
	}
	pod := &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: "web-0", Namespace: "shop", UID: "u1", Labels: map[string]string{"app": "web"}},
		Spec: corev1.PodSpec{NodeName: "n1", ServiceAccountName: "sa"}}
	cmKey := func(name, key string, opt *bool) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{ConfigMapKeyRef: &corev1.ConfigMapKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: name}, Key: key, Optional: opt}}
	}
	field := func(p string) *corev1.EnvVarSource {
		return &corev1.EnvVarSource{FieldRef: &corev1.ObjectFieldSelector{FieldPath: p}}
	}
	for _, tt := range []struct {
		name    string
		c       corev1.Container
		want    []Var
		wantErr string
	}{
		{"envFrom with a prefix, env over it in place", corev1.Container{
			EnvFrom: []corev1.EnvFromSource{{Prefix: "APP_", ConfigMapRef: &corev1.ConfigMapEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "app"}}}},
			Env:     []corev1.EnvVar{{Name: "APP_MODE", Value: "dev"}, {Name: "URL", Value: "$(APP_MODE)://$(NOPE)/$$(APP_level)"}}},
			[]Var{{"APP_MODE", "dev"}, {"APP_level", "3"}, {"URL", "dev://$(NOPE)/$(APP_level)"}}, ""},
		{"secret and config keys", corev1.Container{Env: []corev1.EnvVar{
			{Name: "PW", ValueFrom: &corev1.EnvVarSource{SecretKeyRef: &corev1.SecretKeySelector{LocalObjectReference: corev1.LocalObjectReference{Name: "db"}, Key: "password"}}},
			{Name: "LEVEL", ValueFrom: cmKey("app", "level", nil)}}},
			[]Var{{"PW", "hunter2"}, {"LEVEL", "3"}}, ""},
		{"optional references to what is missing are left out", corev1.Container{Env: []corev1.EnvVar{
			{Name: "A", ValueFrom: cmKey("nope", "x", &yes)}, {Name: "B", ValueFrom: cmKey("app", "nokey", &yes)}},
			EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "gone"}, Optional: &yes}}}},
			nil, ""},
		{"a missing ConfigMap", corev1.Container{Env: []corev1.EnvVar{{Name: "A", ValueFrom: cmKey("nope", "x", nil)}}}, nil, `configmap "nope" not found`},
		{"a missing key", corev1.Container{Env: []corev1.EnvVar{{Name: "A", ValueFrom: cmKey("app", "x", nil)}}}, nil, "couldn't find key x in ConfigMap shop/app"},
		{"a missing Secret for envFrom", corev1.Container{EnvFrom: []corev1.EnvFromSource{{SecretRef: &corev1.SecretEnvSource{LocalObjectReference: corev1.LocalObjectReference{Name: "gone"}}}}},
			nil, `secret "gone" not found`},
		{"the downward API", corev1.Container{Env: []corev1.EnvVar{
			{Name: "N", ValueFrom: field("metadata.name")}, {Name: "NS", ValueFrom: field("metadata.namespace")},
			{Name: "UID", ValueFrom: field("metadata.uid")}, {Name: "APP", ValueFrom: field("metadata.labels['app']")},
			{Name: "IP", ValueFrom: field("status.podIP")}, {Name: "HOST", ValueFrom: field("status.hostIP")},
			{Name: "NODE", ValueFrom: field("spec.nodeName")}, {Name: "SA", ValueFrom: field("spec.serviceAccountName")}}},
			[]Var{{"N", "web-0"}, {"NS", "shop"}, {"UID", "u1"}, {"APP", "web"}, {"IP", "10.0.0.7"}, {"HOST", "192.168.1.2"}, {"NODE", "n1"}, {"SA", "sa"}}, ""},
		{"resources, with divisors and the node's allocatable for a missing limit", corev1.Container{
			Resources: corev1.ResourceRequirements{Requests: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("250m")},
				Limits: corev1.ResourceList{corev1.ResourceCPU: resource.MustParse("1500m")}},
			Env: []corev1.EnvVar{
				{Name: "CPU_REQ_M", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "requests.cpu", Divisor: resource.MustParse("1m")}}},
				{Name: "CPU_LIM", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.cpu"}}},
				{Name: "MEM_LIM_MI", ValueFrom: &corev1.EnvVarSource{ResourceFieldRef: &corev1.ResourceFieldSelector{Resource: "limits.memory", Divisor: resource.MustParse("1Mi")}}}}},
			[]Var{{"CPU_REQ_M", "250"}, {"CPU_LIM", "2"}, {"MEM_LIM_MI", "8192"}}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Env(pod, &tt.c, src)
			var ce *ConfigError
			if tt.wantErr != "" {
				if !errors.As(err, &ce) || ce.Message != tt.wantErr {
					t.Fatalf("error %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %v %v, want %v", got, err, tt.want)
			}
		})
	}
}
