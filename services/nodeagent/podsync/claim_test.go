package podsync

import (
	"reflect"
	"testing"

	corev1 "k8s.io/api/core/v1"
)

func TestClaim(t *testing.T) {
	ours := Container{ID: "a", PodUID: "uid-1", Name: "hello"}
	older := Container{ID: "b", PodUID: "uid-0", Name: "hello"}
	cases := []struct {
		name          string
		pod           *corev1.Pod
		mine, orphans []Container
	}{
		{"bound here: adopted", pod(), []Container{ours}, []Container{older}},
		{"terminating, still here: adopted (Decide stops it)", pod(terminating(0, 30)), []Container{ours}, []Container{older}},
		{"pod gone", nil, nil, []Container{ours, older}},
		{"bound to another node", pod(func(p *corev1.Pod) { p.Spec.NodeName = "n2" }), nil, []Container{ours, older}},
		{"replaced by a pod of the same name", pod(func(p *corev1.Pod) { p.UID = "uid-2" }), nil, []Container{ours, older}},
	}
	for _, c := range cases {
		mine, orphans := Claim(c.pod, "n1", []Container{ours, older})
		if !reflect.DeepEqual(mine, c.mine) || !reflect.DeepEqual(orphans, c.orphans) {
			t.Errorf("%s: mine %v orphans %v, want %v %v", c.name, mine, orphans, c.mine, c.orphans)
		}
	}
}
