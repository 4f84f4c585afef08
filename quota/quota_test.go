package quota

import (
	"errors"
	"testing"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"
	metav1 "k8s.io/apimachinery/pkg/apis/meta/v1"
	"k8s.io/apimachinery/pkg/runtime/schema"
)

var podsGR = schema.GroupResource{Resource: "pods"}

func list(kv ...string) corev1.ResourceList {
	out := corev1.ResourceList{}
	for i := 0; i < len(kv); i += 2 {
		out[corev1.ResourceName(kv[i])] = resource.MustParse(kv[i+1])
	}
	return out
}

func pod(name string, req, lim corev1.ResourceList) Object {
	return Object{Resource: podsGR, Object: &corev1.Pod{ObjectMeta: metav1.ObjectMeta{Name: name},
		Spec: corev1.PodSpec{Containers: []corev1.Container{{Name: "c",
			Resources: corev1.ResourceRequirements{Requests: req, Limits: lim}}}}}}
}

func phase(o Object, p corev1.PodPhase) Object {
	o.Object.(*corev1.Pod).Status.Phase = p
	return o
}

func rq(hard corev1.ResourceList) *corev1.ResourceQuota {
	return &corev1.ResourceQuota{ObjectMeta: metav1.ObjectMeta{Name: "compute"}, Spec: corev1.ResourceQuotaSpec{Hard: hard}}
}

func TestUsed(t *testing.T) {
	deploy := Object{Resource: schema.GroupResource{Group: "apps", Resource: "deployments"}, Object: &corev1.Pod{}}
	svc := Object{Resource: schema.GroupResource{Resource: "services"},
		Object: &corev1.Service{Spec: corev1.ServiceSpec{Type: corev1.ServiceTypeNodePort, Ports: []corev1.ServicePort{{}, {}}}}}
	for _, tc := range []struct {
		name string
		hard corev1.ResourceList
		objs []Object
		want map[string]string
	}{
		{"pods counted", list("pods", "10", "count/pods", "10"), []Object{pod("a", nil, nil), pod("b", nil, nil)},
			map[string]string{"pods": "2", "count/pods": "2"}},
		{"terminal pods free", list("pods", "10"), []Object{pod("a", nil, nil), phase(pod("b", nil, nil), corev1.PodSucceeded),
			phase(pod("c", nil, nil), corev1.PodFailed)}, map[string]string{"pods": "1"}},
		{"compute summed", list("requests.cpu", "4", "cpu", "4", "limits.memory", "1Gi", "requests.memory", "1Gi"),
			[]Object{pod("a", list("cpu", "250m"), list("memory", "128Mi")), pod("b", list("cpu", "500m", "memory", "64Mi"), nil)},
			map[string]string{"requests.cpu": "750m", "cpu": "750m", "limits.memory": "128Mi", "requests.memory": "64Mi"}},
		{"untracked names absent, tracked zero", list("services", "5"), []Object{pod("a", nil, nil)}, map[string]string{"services": "0"}},
		{"counts by group and node ports", list("count/deployments.apps", "5", "services", "5", "services.nodeports", "5"),
			[]Object{deploy, svc}, map[string]string{"count/deployments.apps": "1", "services": "1", "services.nodeports": "2"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got := Used(rq(tc.hard), tc.objs)
			if len(got) != len(tc.want) {
				t.Fatalf("used = %v, want %v", got, tc.want)
			}
			for name, want := range tc.want {
				if q := got[corev1.ResourceName(name)]; q.Cmp(resource.MustParse(want)) != 0 {
					t.Errorf("used[%s] = %s, want %s", name, q.String(), want)
				}
			}
		})
	}
}

func TestAdmit(t *testing.T) {
	two := []Object{pod("a", nil, nil), pod("b", nil, nil)}
	for _, tc := range []struct {
		name string
		hard corev1.ResourceList
		objs []Object
		old  *Object
		obj  Object
		want string
	}{
		{"fits", list("pods", "2"), two[:1], nil, pod("c", nil, nil), ""},
		{"third pod refused", list("pods", "2"), two, nil, pod("c", nil, nil),
			"exceeded quota: compute, requested: pods=1, used: pods=2, limited: pods=2"},
		{"terminal pods make room", list("pods", "2"), []Object{pod("a", nil, nil), phase(pod("b", nil, nil), corev1.PodFailed)},
			nil, pod("c", nil, nil), ""},
		{"cpu exceeded", list("requests.cpu", "1"), []Object{pod("a", list("cpu", "800m"), nil)}, nil, pod("c", list("cpu", "300m"), nil),
			"exceeded quota: compute, requested: requests.cpu=300m, used: requests.cpu=800m, limited: requests.cpu=1"},
		{"limits required", list("limits.cpu", "2", "requests.memory", "1Gi"), nil, nil, pod("c", nil, nil),
			"failed quota: compute: must specify limits.cpu for: c; requests.memory for: c"},
		{"update charging nothing new", list("pods", "1"), []Object{pod("a", nil, nil)}, ptr(pod("c", nil, nil)), pod("c", nil, nil), ""},
		{"other kinds untouched", list("pods", "0"), nil, nil, Object{Resource: schema.GroupResource{Resource: "services"},
			Object: &corev1.Service{}}, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Admit([]Namespace{{Quota: rq(tc.hard), Objects: tc.objs}}, tc.old, tc.obj)
			if tc.want == "" {
				if err != nil {
					t.Fatalf("Admit = %v, want nil", err)
				}
				return
			}
			if err == nil || err.Error() != tc.want || !errors.Is(err, ErrQuota) {
				t.Fatalf("Admit = %v, want %q", err, tc.want)
			}
		})
	}
}

func ptr(o Object) *Object { return &o }

func TestScopes(t *testing.T) {
	q := rq(list("pods", "0"))
	q.Spec.Scopes = []corev1.ResourceQuotaScope{corev1.ResourceQuotaScopeNotBestEffort}
	if err := Admit([]Namespace{{Quota: q}}, nil, pod("c", nil, nil)); err != nil {
		t.Fatalf("best-effort pod under a NotBestEffort quota: %v", err)
	}
	if err := Admit([]Namespace{{Quota: q}}, nil, pod("c", list("cpu", "1"), nil)); err == nil {
		t.Fatal("a pod with requests under a NotBestEffort quota of 0 pods was admitted")
	}
}

func TestStandardNames(t *testing.T) {
	for name, want := range map[string]bool{"pods": true, "requests.cpu": true, "count/deployments.apps": true,
		"services.nodeports": true, "cpus": false, "count/": false, "limits.gpu": false} {
		if got := IsStandardName(corev1.ResourceName(name)); got != want {
			t.Errorf("IsStandardName(%s) = %v, want %v", name, got, want)
		}
	}
}
